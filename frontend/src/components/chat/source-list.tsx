"use client";
import { FileTextIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import type { Citation } from "@/lib/api/schemas";
import { useCitationLabel } from "./citation-chip";

const QUOTE_LIMIT = 160;

function truncate(text: string, limit: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  return clean.length > limit ? `${clean.slice(0, limit - 1).trimEnd()}…` : clean;
}

/** The "Fontes" list under an answer: every citation, each opening the source panel. */
export function SourceList({
  citations,
  onSelect,
}: {
  citations: Citation[];
  onSelect: (citation: Citation) => void;
}) {
  const t = useTranslations("chat.sources");
  const label = useCitationLabel();
  if (citations.length === 0) return null;
  return (
    <section aria-label={t("title")} className="mt-3 border-t pt-3" data-testid="sources-list">
      <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted-foreground">
        {t("title")}
      </h3>
      <ol className="flex flex-col gap-1.5">
        {citations.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              data-testid="source-item"
              title={label(c)}
              onClick={() => onSelect(c)}
              className="flex w-full items-start gap-2 rounded-md border bg-background p-2 text-left text-sm hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
            >
              <span className="grid size-5 shrink-0 place-items-center rounded-full bg-accent text-[0.7rem] font-semibold text-accent-foreground">
                {c.id}
              </span>
              <span className="min-w-0 flex-1">
                <span className="flex flex-wrap items-center gap-x-2">
                  <FileTextIcon aria-hidden className="size-3.5 shrink-0 text-muted-foreground" />
                  <span className="min-w-0 truncate font-medium">{c.filename}</span>
                  {c.page !== null && (
                    <span className="text-xs text-muted-foreground">{t("page", { page: c.page })}</span>
                  )}
                </span>
                {c.quote && (
                  <span className="mt-0.5 block text-xs text-muted-foreground">
                    “{truncate(c.quote, QUOTE_LIMIT)}”
                  </span>
                )}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
