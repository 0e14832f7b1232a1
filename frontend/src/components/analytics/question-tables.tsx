"use client";
/** The latest questions the material could not answer, and the answers rated thumbs down. */
import { useFormatter, useTranslations } from "next-intl";
import type { ThumbsDown, Unanswered } from "@/lib/api/analytics";

function useWhen() {
  const format = useFormatter();
  return (iso: string) => format.dateTime(new Date(iso), { dateStyle: "short", timeStyle: "short" });
}

/** A titled table from the small breakpoint up (scrolling sideways if it must: focusable, so
 * keys scroll it), and on a phone the same rows as a list of cards. */
function TableSection({
  id,
  title,
  empty,
  shown,
  total,
  cards,
  children,
}: {
  id: string;
  title: string;
  empty: string;
  shown: number;
  total: number;
  cards: React.ReactNode;
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
            className="hidden overflow-x-auto rounded-sm focus-visible:outline-2 focus-visible:outline-ring sm:block"
          >
            {children}
          </div>
          <ul className="flex flex-col divide-y sm:hidden">{cards}</ul>
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
  lowScore: number | null;
}) {
  const t = useTranslations("analytics.unanswered");
  const when = useWhen();
  const format = useFormatter();
  const score = (value: number | null) =>
    value === null ? t("noScore") : format.number(value, { maximumFractionDigits: 2 });
  const reason = (item: Unanswered) =>
    item.reason === "not_in_material"
      ? t("notInMaterial")
      : lowScore === null
        ? t("lowScorePlain")
        : t("lowScore", { threshold: format.number(lowScore, { maximumFractionDigits: 2 }) });
  const cards = items.map((item, i) => (
    <li key={`${item.asked_at}-${i}`} className="flex flex-col gap-1 py-2 text-sm">
      <p className="break-words font-medium">{item.question}</p>
      <p className="text-xs text-muted-foreground">
        {reason(item)} · {t("score")}: {score(item.retrieval_score)} ·{" "}
        <time dateTime={item.asked_at}>{when(item.asked_at)}</time>
      </p>
    </li>
  ));
  return (
    <TableSection
      id="unanswered-heading"
      title={t("title")}
      empty={t("empty")}
      shown={items.length}
      total={total}
      cards={cards}
    >
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
              <td className={td}>{reason(item)}</td>
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
  const cards = items.map((item, i) => (
    <li key={`${item.rated_at}-${i}`} className="flex flex-col gap-1 py-2 text-sm">
      <p className="break-words font-medium">{item.question}</p>
      <p className="break-words text-muted-foreground">{item.answer_excerpt}</p>
      <p className="break-words">
        <span className="text-muted-foreground">{t("comment")}: </span>
        {item.comment ?? t("noComment")}
      </p>
      <p className="text-xs text-muted-foreground">
        {t("when")}: <time dateTime={item.rated_at}>{when(item.rated_at)}</time>
      </p>
    </li>
  ));
  return (
    <TableSection
      id="thumbs-down-heading"
      title={t("title")}
      empty={t("empty")}
      shown={items.length}
      total={total}
      cards={cards}
    >
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
