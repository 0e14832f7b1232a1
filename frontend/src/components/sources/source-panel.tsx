"use client";
/**
 * The source viewer: a side panel (full width on phones) showing what a citation points to —
 * the PDF page with the quote highlighted, or for other files the cited passage as text.
 */
import { useTranslations } from "next-intl";
import dynamic from "next/dynamic";
import { useState } from "react";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle } from "@/components/ui/sheet";
import { api } from "@/lib/api/client";
import type { Citation } from "@/lib/api/schemas";
import { sourceView } from "@/lib/sources/source-kind";
import { PanelLoading } from "./panel-loading";
import { TextSource } from "./text-source";

function PdfLoading() {
  const t = useTranslations("sources");
  return <PanelLoading label={t("loadingPdf")} />;
}

// pdf.js needs the browser (canvas, workers): never rendered on the server.
const PdfViewer = dynamic(() => import("./pdf-viewer"), { ssr: false, loading: PdfLoading });

export type SourcePanelProps = { citation: Citation | null; onClose: () => void };

export function SourcePanel({ citation, onClose }: SourcePanelProps) {
  return (
    <Sheet open={citation !== null} onOpenChange={(open) => !open && onClose()}>
      {citation && (
        <SourceContent
          key={`${citation.document_id}:${citation.chunk_id ?? ""}:${citation.page ?? ""}:${citation.quote}`}
          citation={citation}
        />
      )}
    </Sheet>
  );
}

function SourceContent({ citation }: { citation: Citation }) {
  const t = useTranslations("sources");
  const common = useTranslations("common");
  const [view, setView] = useState(() => sourceView(citation));
  const [page, setPage] = useState(citation.page);

  return (
    <SheetContent
      data-testid="source-panel"
      data-view={view}
      closeLabel={common("close")}
      className="sm:max-w-xl lg:max-w-2xl"
    >
      <SheetHeader>
        <SheetTitle className="wrap-anywhere">{citation.filename}</SheetTitle>
        <SheetDescription data-testid="source-page">
          {page != null ? t("page", { page }) : t("noPage")}
        </SheetDescription>
      </SheetHeader>
      {view === "pdf" && citation.page != null && page != null ? (
        <PdfViewer
          url={api.documentFileUrl(citation.document_id)}
          page={page}
          onPageChange={setPage}
          citedPage={citation.page}
          quote={citation.quote}
          onFallback={() => {
            setPage(citation.page);
            setView("text");
          }}
        />
      ) : (
        <TextSource citation={citation} />
      )}
    </SheetContent>
  );
}
