"use client";
import { useTranslations } from "next-intl";
import { SourceList } from "@/components/chat/source-list";
import type { Citation } from "@/lib/api/schemas";
import type { StudyItem } from "@/lib/api/study";

/** The study guide: its topics in order, each with its summary and the passages it draws on. */
export function GuideView({ items, onCite }: { items: StudyItem[]; onCite: (c: Citation) => void }) {
  const t = useTranslations("study.guide");
  const topics = [...items].sort((a, b) => a.position - b.position);
  return (
    <ol className="flex flex-col gap-4" aria-label={t("label")} data-testid="guide">
      {topics.map((topic, index) => (
        <li key={topic.id}>
          <article
            data-testid="guide-topic"
            aria-labelledby={`topic-${topic.id}`}
            className="rounded-xl border bg-card p-4"
          >
            <p className="text-xs text-muted-foreground" aria-hidden>
              {t("topic", { n: index + 1 })}
            </p>
            <h2 id={`topic-${topic.id}`} className="font-semibold break-words">
              {topic.prompt}
            </h2>
            {topic.answer && <p className="mt-2 text-sm leading-relaxed break-words whitespace-pre-line">{topic.answer}</p>}
            <SourceList citations={topic.citations} onSelect={onCite} />
          </article>
        </li>
      ))}
    </ol>
  );
}
