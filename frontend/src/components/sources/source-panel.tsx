"use client";
// Placeholder with the final contract; the real viewer replaces this file.
import type { Citation } from "@/lib/api/schemas";

export type SourcePanelProps = { citation: Citation | null; onClose: () => void };

export function SourcePanel({ citation }: SourcePanelProps) {
  if (!citation) return null;
  return <aside data-testid="source-panel">{citation.filename}</aside>;
}
