"use client";
/** One document of a collection: what it is, how its processing goes, why it failed. */
import { FileIcon, Trash2Icon } from "lucide-react";
import { useLocale, useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import type { DocumentInfo, Status } from "@/lib/api/schemas";
import { isFailureCode } from "@/lib/documents/failure";
import { formatBytes } from "@/lib/documents/format";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

const BADGE: Record<Status, "default" | "secondary" | "outline" | "destructive"> = {
  queued: "outline",
  running: "secondary",
  ready: "default",
  failed: "destructive",
};

export type DocumentRowProps = {
  document: DocumentInfo;
  onDelete: (document: DocumentInfo) => Promise<void>;
  onDeleteError?: (error: unknown) => boolean;
};

export function DocumentRow({ document, onDelete, onDeleteError }: DocumentRowProps) {
  const t = useTranslations("documents");
  const common = useTranslations("common");
  const locale = useLocale();
  const busy = document.status === "queued" || document.status === "running";
  const percent = Math.round(Math.max(0, Math.min(1, document.progress)) * 100);

  const details = [
    document.pages != null ? t("document.pages", { count: document.pages }) : null,
    document.status === "ready" ? t("document.chunks", { count: document.chunks }) : null,
    formatBytes(document.size_bytes, locale),
  ].filter(Boolean);

  return (
    <li
      data-testid="document-row"
      data-status={document.status}
      className="flex flex-col gap-2 rounded-lg border p-3 text-sm"
    >
      <div className="flex items-start gap-3">
        <FileIcon aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
        <div className="min-w-0 flex-1">
          <p className="wrap-anywhere font-medium">{document.filename}</p>
          <p className="text-xs text-muted-foreground">{details.join(" · ")}</p>
        </div>
        <Badge variant={BADGE[document.status]} data-testid="document-status">
          {t(`status.${document.status}`)}
        </Badge>
        <ConfirmDialog
          trigger={
            <Button
              variant="ghost"
              size="icon-sm"
              aria-label={t("document.delete", { name: document.filename })}
              data-testid="delete-document"
            >
              <Trash2Icon />
            </Button>
          }
          title={t("document.deleteTitle")}
          description={t("document.deleteDescription", { name: document.filename })}
          confirmLabel={common("delete")}
          onConfirm={() => onDelete(document)}
          onError={onDeleteError}
        />
      </div>
      {busy && (
        <div className="flex items-center gap-3">
          <Progress
            value={percent}
            aria-label={t("document.progress", { name: document.filename })}
            className="flex-1"
          />
          <span className="w-10 text-right text-xs tabular-nums text-muted-foreground">
            {percent}%
          </span>
        </div>
      )}
      {document.status === "failed" && (
        <p className="text-sm text-destructive" data-testid="document-error">
          {isFailureCode(document.error_code)
            ? t(`failure.${document.error_code}`)
            : document.error || t("failure.internal_error")}
        </p>
      )}
    </li>
  );
}
