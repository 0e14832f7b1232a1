"use client";
/** A cited passage shown as text: the chunk between its neighbours, the quote highlighted. */
import { useTranslations } from "next-intl";
import { useMemo } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import type { Citation } from "@/lib/api/schemas";
import { findQuote, splitByRanges } from "@/lib/sources/highlight";
import { useChunk } from "@/lib/sources/use-chunk";
import { PanelLoading } from "./panel-loading";

function scrollIntoView(element: HTMLElement | null) {
  element?.scrollIntoView?.({ block: "center" });
}

/** `text` with `quote` marked where it is found; the first mark scrolls into view. */
function Highlighted({ text, quote }: { text: string; quote: string }) {
  const parts = useMemo(() => splitByRanges(text, findQuote([text], quote).get(0)), [text, quote]);
  const first = parts.findIndex((part) => part.highlighted);
  return parts.map((part, index) =>
    part.highlighted ? (
      <mark
        key={index}
        ref={index === first ? scrollIntoView : undefined}
        data-testid="source-highlight"
        className="rounded-sm bg-highlight/70 px-0.5 text-foreground"
      >
        {part.text}
      </mark>
    ) : (
      <span key={index}>{part.text}</span>
    ),
  );
}

function Passage({ children, label }: { children: React.ReactNode; label: string }) {
  return (
    <section
      aria-label={label}
      data-testid="source-chunk"
      className="whitespace-pre-wrap rounded-md border-l-4 border-primary bg-accent/50 p-3 text-foreground"
    >
      {children}
    </section>
  );
}

function Context({ text }: { text: string | null }) {
  if (!text) return null;
  return <p className="whitespace-pre-wrap px-3 text-muted-foreground">{text}</p>;
}

export function TextSource({ citation }: { citation: Citation }) {
  const t = useTranslations("sources");
  const [state, retry] = useChunk(citation.chunk_id);
  const quoteOnly = (
    <Passage label={t("quote")}>
      <Highlighted text={citation.quote} quote={citation.quote} />
    </Passage>
  );

  return (
    <div
      tabIndex={0}
      role="region"
      aria-label={t("passageRegion")}
      className="flex min-h-0 flex-1 flex-col gap-3 overflow-y-auto p-4 text-sm leading-relaxed"
    >
      {state.status === "idle" && quoteOnly}
      {state.status === "loading" && <PanelLoading label={t("loadingPassage")} />}
      {state.status === "error" && (
        <>
          <ErrorMessage error={state.error} onRetry={retry} />
          {quoteOnly}
        </>
      )}
      {state.status === "ready" && (
        <>
          <Context text={state.chunk.before} />
          <Passage label={t("passage")}>
            <Highlighted text={state.chunk.text} quote={citation.quote} />
          </Passage>
          <Context text={state.chunk.after} />
        </>
      )}
    </div>
  );
}
