"use client";
import { useTranslations } from "next-intl";
import type { Citation } from "@/lib/api/schemas";

/** The label a screen reader reads for a citation: "Fonte 1: bio.pdf, página 2". */
export function useCitationLabel() {
  const t = useTranslations("chat.citation");
  return (c: Citation) =>
    c.page === null
      ? t("label", { n: c.id, filename: c.filename })
      : t("labelWithPage", { n: c.id, filename: c.filename, page: c.page });
}

/** A small numbered button in the answer text that opens the cited passage. */
export function CitationChip({
  citation,
  onSelect,
}: {
  citation: Citation;
  onSelect: (citation: Citation) => void;
}) {
  const label = useCitationLabel();
  const text = label(citation);
  return (
    <button
      type="button"
      data-testid="citation-chip"
      aria-label={text}
      title={text}
      onClick={() => onSelect(citation)}
      className="mx-0.5 inline-flex h-5 min-w-5 items-center justify-center rounded-full border border-primary/40 bg-accent px-1.5 align-super text-[0.7rem] font-semibold leading-none text-accent-foreground hover:bg-primary hover:text-primary-foreground focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring"
    >
      {citation.id}
    </button>
  );
}
