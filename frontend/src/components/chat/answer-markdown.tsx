"use client";
import { useMemo } from "react";
import Markdown, { type Components } from "react-markdown";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";
import type { Citation } from "@/lib/api/schemas";
import { CITATION_ATTRIBUTE, rehypeCitationMarkers } from "@/lib/chat/citation-markers";
import { rehypeRawAsText } from "@/lib/chat/hast";
import { cn } from "@/lib/utils";
import { CitationChip } from "./citation-chip";

/** Reading styles for the answer's markdown (Tailwind's preflight resets them all). */
const PROSE = cn(
  "[&>:first-child]:mt-0 [&>:last-child]:mb-0",
  "[&_p]:my-2 [&_ul]:my-2 [&_ul]:list-disc [&_ul]:pl-6 [&_ol]:my-2 [&_ol]:list-decimal [&_ol]:pl-6",
  "[&_li]:my-1 [&_li>p]:my-0 [&_strong]:font-semibold [&_hr]:my-4",
  "[&_h1]:mt-4 [&_h1]:mb-2 [&_h1]:text-lg [&_h1]:font-semibold",
  "[&_h2]:mt-4 [&_h2]:mb-2 [&_h2]:text-base [&_h2]:font-semibold",
  "[&_h3]:mt-3 [&_h3]:mb-1 [&_h3]:font-semibold",
  "[&_blockquote]:my-2 [&_blockquote]:border-l-2 [&_blockquote]:pl-3 [&_blockquote]:text-muted-foreground",
  "[&_code]:rounded [&_code]:bg-muted [&_code]:px-1 [&_code]:py-0.5 [&_code]:font-mono [&_code]:text-[0.85em]",
  "[&_pre]:my-3 [&_pre]:overflow-x-auto [&_pre]:rounded-md [&_pre]:bg-muted [&_pre]:p-3",
  "[&_pre_code]:bg-transparent [&_pre_code]:p-0",
  "[&_th]:border [&_th]:bg-muted [&_th]:px-2 [&_th]:py-1 [&_th]:text-left [&_th]:font-semibold",
  "[&_td]:border [&_td]:px-2 [&_td]:py-1 [&_td]:align-top",
);

type Props = {
  text: string;
  citations: Citation[];
  onCite: (citation: Citation) => void;
};

/**
 * An answer's markdown, made inert: raw HTML is shown as plain text, rehype-sanitize (default,
 * strict schema) cleans what markdown produced, images are never loaded (their alt text is
 * shown instead) and links open in a new tab without referrer or opener.
 */
export function AnswerMarkdown({ text, citations, onCite }: Props) {
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
