"use client";
import { useMemo } from "react";
import Markdown, { type Components } from "react-markdown";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";
import type { Citation } from "@/lib/api/schemas";
import { CITATION_ATTRIBUTE, rehypeCitationMarkers } from "@/lib/chat/citation-markers";
import { rehypeRawAsText } from "@/lib/chat/hast";
import { CitationChip } from "./citation-chip";
import { PROSE } from "./prose";

export type AnswerMarkdownProps = {
  text: string;
  citations: Citation[];
  onCite: (citation: Citation) => void;
};

/**
 * An answer's markdown, made inert: raw HTML is shown as plain text, rehype-sanitize (default,
 * strict schema) cleans what markdown produced, images are never loaded (their alt text is
 * shown instead) and links open in a new tab without referrer or opener. With react-markdown,
 * remark-gfm and rehype-sanitize it comes in a chunk of its own (see answer-text.tsx).
 */
export function AnswerMarkdown({ text, citations, onCite }: AnswerMarkdownProps) {
  const components = useMemo<Components>(() => {
    const byId = new Map(citations.map((c) => [c.id, c]));
    return {
      a: ({ href, children }) =>
        href ? (
          <a
            href={href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            className="text-primary underline underline-offset-2"
          >
            {children}
          </a>
        ) : (
          <span>{children}</span>
        ),
      img: ({ alt }) => (alt ? <span className="italic text-muted-foreground">{alt}</span> : null),
      sup: ({ children, ...props }) => {
        const id = Number((props as Record<string, unknown>)[CITATION_ATTRIBUTE]);
        const citation = byId.get(id);
        return citation ? <CitationChip citation={citation} onSelect={onCite} /> : <sup>{children}</sup>;
      },
      table: ({ children }) => (
        <div className="my-3 overflow-x-auto">
          <table className="w-full border-collapse text-sm">{children}</table>
        </div>
      ),
    };
  }, [citations, onCite]);

  const ids = useMemo(() => citations.map((c) => c.id), [citations]);

  return (
    <div className={PROSE}>
      <Markdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[rehypeRawAsText, rehypeSanitize, [rehypeCitationMarkers, { ids }]]}
        components={components}
      >
        {text}
      </Markdown>
    </div>
  );
}
