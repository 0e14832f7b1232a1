"use client";
/**
 * An answer's text. The markdown renderer (react-markdown, remark-gfm, rehype-sanitize) is not
 * part of the first page's JavaScript: until its chunk has arrived the answer is shown as plain
 * text — its paragraphs and citation chips, in the same reading styles, so nothing moves when the
 * markdown replaces it.
 */
import { Fragment } from "react";
import type { Citation } from "@/lib/api/schemas";
import { splitCitationMarkers } from "@/lib/chat/citation-markers";
import { lazyModule, useLazyModule } from "@/lib/lazy-module";
import type { AnswerMarkdownProps } from "./answer-markdown";
import { CitationChip } from "./citation-chip";
import { PROSE } from "./prose";

export const markdownRenderer = lazyModule(() => import("./answer-markdown"));

export function AnswerText(props: AnswerMarkdownProps) {
  const renderer = useLazyModule(markdownRenderer);
  return renderer ? <renderer.AnswerMarkdown {...props} /> : <PlainAnswer {...props} />;
}

/** The text as it is, paragraph by paragraph (blank lines), line breaks kept. */
export function PlainAnswer({ text, citations, onCite }: AnswerMarkdownProps) {
  const byId = new Map<number, Citation>(citations.map((c) => [c.id, c]));
  const known = new Set(byId.keys());
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim());
  return (
    <div className={PROSE} data-testid="plain-answer">
      {paragraphs.map((paragraph, i) => (
        <p key={i} className="whitespace-pre-line">
          {splitCitationMarkers(paragraph.trim(), known).map((segment, j) =>
            segment.type === "citation" ? (
              <CitationChip key={j} citation={byId.get(segment.id)!} onSelect={onCite} />
            ) : (
              <Fragment key={j}>{segment.value}</Fragment>
            ),
          )}
        </p>
      ))}
    </div>
  );
}
