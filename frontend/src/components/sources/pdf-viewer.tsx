"use client";
/**
 * The cited PDF page, rendered by react-pdf with its text and annotation layers, the quote
 * highlighted in the text layer. Loaded only in the browser (see source-panel.tsx).
 */
import { ChevronLeftIcon, ChevronRightIcon, FileTextIcon, Undo2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useCallback, useMemo, useRef, useState } from "react";
import { Document, Page, pdfjs } from "react-pdf";
import "react-pdf/dist/Page/AnnotationLayer.css";
import "react-pdf/dist/Page/TextLayer.css";
import { ErrorMessage } from "@/components/errors/error-message";
import { Button } from "@/components/ui/button";
import type { ApiError } from "@/lib/api/errors";
import { findQuote, HIGHLIGHT_CLASS, highlightHtml, type Highlights } from "@/lib/sources/highlight";
import { pdfLoadFailure } from "@/lib/sources/pdf-errors";
import { PDFJS_OPTIONS } from "@/lib/sources/pdfjs-assets";
import { PanelLoading } from "./panel-loading";
import { useElementWidth } from "./use-element-width";

// Set here, in the module that renders <Document>, as react-pdf asks. The bundler copies the
// worker from node_modules into the build, so it is served by this app, never by a CDN.
pdfjs.GlobalWorkerOptions.workerSrc = new URL(
  "pdfjs-dist/build/pdf.worker.min.mjs",
  import.meta.url,
).toString();

const NO_HIGHLIGHTS: Highlights = new Map();

export type PdfViewerProps = {
  url: string;
  /** The page shown (1-based) and how to change it. */
  page: number;
  onPageChange: (page: number) => void;
  /** The cited page and the quote to highlight on it. */
  citedPage: number;
  quote: string;
  /** Show the cited passage as text instead (the file is gone or cannot be opened). */
  onFallback: () => void;
};

export default function PdfViewer({
  url,
  page,
  onPageChange,
  citedPage,
  quote,
  onFallback,
}: PdfViewerProps) {
  const t = useTranslations("sources");
  const [attempt, setAttempt] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [numPages, setNumPages] = useState<number | null>(null);
  const [pageText, setPageText] = useState<{ page: number; items: string[] } | null>(null);
  const [measure, width] = useElementWidth();
  const frame = useRef<HTMLDivElement>(null);
  const scrolledTo = useRef<number | null>(null);

  const highlights = useMemo(
    () =>
      page === citedPage && pageText?.page === citedPage
        ? findQuote(pageText.items, quote)
        : NO_HIGHLIGHTS,
    [page, citedPage, pageText, quote],
  );
  const renderText = useCallback(
    ({ str, itemIndex }: { str: string; itemIndex: number }) =>
      highlightHtml(str, highlights.get(itemIndex)),
    [highlights],
  );

  // Stable between renders: react-pdf draws the text layer again whenever this changes.
  const scrollToHighlight = useCallback(() => {
    if (highlights.size === 0 || scrolledTo.current === page) return;
    const mark = frame.current?.querySelector(`mark.${HIGHLIGHT_CLASS}`);
    if (!mark) return;
    scrolledTo.current = page;
    mark.scrollIntoView?.({ block: "center", behavior: "smooth" });
  }, [highlights, page]);

  function goTo(next: number) {
    scrolledTo.current = null;
    frame.current?.scrollTo?.({ top: 0 });
    onPageChange(next);
  }

  if (error) {
    return (
      <div className="flex flex-col gap-3 p-4">
        <ErrorMessage
          error={error}
          onRetry={() => {
            setError(null);
            setAttempt((n) => n + 1);
          }}
        />
        <Button variant="outline" className="self-start" onClick={onFallback}>
          <FileTextIcon aria-hidden />
          {t("showText")}
        </Button>
      </div>
    );
  }

  const total = numPages ?? 0;
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <nav
        aria-label={t("pagination")}
        className="flex flex-wrap items-center justify-between gap-2 border-b px-4 py-2"
      >
        <div className="flex items-center gap-1">
          <Button
            variant="outline"
            size="icon-sm"
            aria-label={t("previousPage")}
            disabled={page <= 1}
            onClick={() => goTo(page - 1)}
          >
            <ChevronLeftIcon />
          </Button>
          <Button
            variant="outline"
            size="icon-sm"
            aria-label={t("nextPage")}
            disabled={total === 0 || page >= total}
            onClick={() => goTo(page + 1)}
          >
            <ChevronRightIcon />
          </Button>
          <span className="px-2 text-sm tabular-nums" aria-live="polite">
            {total > 0 ? t("pageOf", { page, total }) : t("page", { page })}
          </span>
        </div>
        {page !== citedPage && (
          <Button variant="ghost" size="sm" onClick={() => goTo(citedPage)}>
            <Undo2Icon aria-hidden />
            {t("backToCited")}
          </Button>
        )}
      </nav>
      {/* Focusable so keyboard users can scroll the page (WCAG: scrollable regions). */}
      <div
        ref={frame}
        tabIndex={0}
        role="region"
        aria-label={t("pageRegion", { page })}
        className="min-h-0 flex-1 overflow-y-auto bg-muted p-2 sm:p-4"
      >
        <div ref={measure} className="mx-auto w-full">
          <Document
            key={attempt}
            file={url}
            options={PDFJS_OPTIONS}
            loading={<PanelLoading label={t("loadingPdf")} />}
            error={<span />}
            externalLinkTarget="_blank"
            onItemClick={({ pageNumber }) => goTo(pageNumber)}
            // A password-protected file cannot be shown here: show the passage as text instead
            // of the browser prompt react-pdf would open.
            onPassword={() => onFallback()}
            onLoadSuccess={(pdf) => {
              setNumPages(pdf.numPages);
              if (page > pdf.numPages) onPageChange(pdf.numPages);
            }}
            onLoadError={(failure) => {
              const outcome = pdfLoadFailure(failure);
              if (outcome === "missing") onFallback();
              else setError(outcome);
            }}
          >
            {width !== null && (
              <Page
                pageNumber={page}
                width={width}
                className="mx-auto shadow-sm"
                renderTextLayer
                renderAnnotationLayer
                customTextRenderer={renderText}
                onGetTextSuccess={({ items }) =>
                  setPageText({ page, items: items.map((item) => ("str" in item ? item.str : "")) })
                }
                onRenderTextLayerSuccess={scrollToHighlight}
                loading={<PanelLoading label={t("loadingPage")} />}
                error={<p className="p-4 text-sm">{t("pageError")}</p>}
              />
            )}
          </Document>
        </div>
      </div>
    </div>
  );
}
