"use client";
/** The most asked topics, ranked, each with its count drawn as a bar and an example question. */
import { useTranslations } from "next-intl";
import type { Topic } from "@/lib/api/analytics";

export function TopicsList({ topics }: { topics: Topic[] }) {
  const t = useTranslations("analytics.topics");
  const most = Math.max(1, ...topics.map((topic) => topic.count));
  return (
    <section aria-labelledby="topics-heading" className="flex min-w-0 flex-col gap-3 rounded-lg border p-4">
      <div>
        <h2 id="topics-heading" className="text-base font-semibold">
          {t("title")}
        </h2>
        <p className="text-xs text-muted-foreground">{t("note")}</p>
      </div>
      {topics.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("empty")}</p>
      ) : (
        <ol className="flex flex-col gap-3" data-testid="topics">
          {topics.map((topic) => (
            <li key={topic.phrase} className="flex flex-col gap-1" data-testid="topic">
              <div className="flex items-baseline justify-between gap-3 text-sm">
                <span className="min-w-0 break-words font-medium">{topic.phrase}</span>
                <span className="shrink-0 tabular-nums text-muted-foreground">
                  {t("count", { count: topic.count })}
                </span>
              </div>
              <div aria-hidden className="h-2 w-full overflow-hidden rounded-full bg-muted">
                <div className="h-full rounded-full bg-primary" style={{ width: `${(topic.count / most) * 100}%` }} />
              </div>
              <p className="break-words text-xs text-muted-foreground">
                {t("example", { question: topic.example })}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
