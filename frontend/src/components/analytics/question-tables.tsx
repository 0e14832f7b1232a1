"use client";
/** The latest questions the material could not answer, and the answers rated thumbs down. */
import { useFormatter, useTranslations } from "next-intl";
import type { ThumbsDown, Unanswered } from "@/lib/api/analytics";

function useWhen() {
  const format = useFormatter();
  return (iso: string) => format.dateTime(new Date(iso), { dateStyle: "short", timeStyle: "short" });
}

/** A titled table that scrolls sideways on a narrow screen (focusable, so keys scroll it). */
function TableSection({
  id,
  title,
  empty,
  shown,
  total,
  children,
}: {
  id: string;
  title: string;
  empty: string;
  shown: number;
  total: number;
  children: React.ReactNode;
}) {
  const t = useTranslations("analytics");
  return (
    <section aria-labelledby={id} className="flex min-w-0 flex-col gap-3 rounded-lg border p-4" data-testid={id}>
      <h2 id={id} className="text-base font-semibold">
        {title}
      </h2>
      {shown === 0 ? (
        <p className="text-sm text-muted-foreground">{empty}</p>
      ) : (
        <>
          <div
            role="region"
            aria-label={t("scroll", { title })}
            tabIndex={0}
            className="overflow-x-auto rounded-sm focus-visible:outline-2 focus-visible:outline-ring"
          >
            {children}
          </div>
          {total > shown && <p className="text-xs text-muted-foreground">{t("shown", { shown, total })}</p>}
        </>
      )}
    </section>
  );
}

const th = "py-2 pr-3 font-medium align-bottom";
const td = "py-2 pr-3 align-top";

export function UnansweredTable({
  items,
  total,
  lowScore,
}: {
  items: Unanswered[];
  total: number;
  lowScore: number;
}) {
  const t = useTranslations("analytics.unanswered");
  const when = useWhen();
  const format = useFormatter();
  const score = (value: number | null) =>
    value === null ? t("noScore") : format.number(value, { maximumFractionDigits: 2 });
  return (
    <TableSection id="unanswered-heading" title={t("title")} empty={t("empty")} shown={items.length} total={total}>
      <table className="w-full min-w-[34rem] text-left text-sm">
        <thead className="text-muted-foreground">
          <tr>
            <th scope="col" className={th}>
              {t("question")}
            </th>
            <th scope="col" className={th}>
              {t("reason")}
            </th>
            <th scope="col" className={`${th} text-right`}>
              {t("score")}
            </th>
            <th scope="col" className={th}>
              {t("when")}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item, i) => (
            <tr key={`${item.asked_at}-${i}`} className="border-t" data-testid="unanswered-row">
              <td className={`${td} break-words`}>{item.question}</td>
              <td className={td}>
                {item.reason === "not_in_material"
                  ? t("notInMaterial")
                  : t("lowScore", { threshold: format.number(lowScore, { maximumFractionDigits: 2 }) })}
              </td>
              <td className={`${td} text-right tabular-nums`}>{score(item.retrieval_score)}</td>
              <td className={`${td} whitespace-nowrap`}>
                <time dateTime={item.asked_at}>{when(item.asked_at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableSection>
  );
}

export function ThumbsDownTable({ items, total }: { items: ThumbsDown[]; total: number }) {
  const t = useTranslations("analytics.thumbsDown");
  const when = useWhen();
  return (
    <TableSection id="thumbs-down-heading" title={t("title")} empty={t("empty")} shown={items.length} total={total}>
      <table className="w-full min-w-[40rem] text-left text-sm">
        <thead className="text-muted-foreground">
          <tr>
            <th scope="col" className={th}>
              {t("question")}
            </th>
            <th scope="col" className={th}>
              {t("answer")}
            </th>
            <th scope="col" className={th}>
              {t("comment")}
            </th>
            <th scope="col" className={th}>
              {t("when")}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item, i) => (
            <tr key={`${item.rated_at}-${i}`} className="border-t" data-testid="thumbs-down-row">
              <td className={`${td} break-words`}>{item.question}</td>
              <td className={`${td} break-words text-muted-foreground`}>{item.answer_excerpt}</td>
              <td className={`${td} break-words`}>
                {item.comment ?? <span className="text-muted-foreground">{t("noComment")}</span>}
              </td>
              <td className={`${td} whitespace-nowrap`}>
                <time dateTime={item.rated_at}>{when(item.rated_at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableSection>
  );
}
