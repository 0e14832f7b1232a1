"use client";
import { CheckCircle2Icon, CopyIcon, XCircleIcon } from "lucide-react";
import { useLocale, useTranslations } from "next-intl";
import { ErrorMessage } from "@/components/errors/error-message";
import { Progress } from "@/components/ui/progress";
import { toApiError } from "@/lib/api/errors";
import { formatBytes } from "@/lib/documents/format";

export type Upload = {
  key: string;
  name: string;
  size: number;
  /** 0 to 1. */
  progress: number;
  status: "uploading" | "done" | "duplicate" | "failed";
  error?: unknown;
};

/** Why the server refused a file: in the words of this page when it says more than errors.json. */
function UploadFailure({ error, maxUploadMb }: { error: unknown; maxUploadMb: number }) {
  const t = useTranslations("documents");
  const kind = toApiError(error).kind;
  if (kind === "too_large" || kind === "unsupported_type") {
    return (
      <p role="alert" className="text-destructive">
        {t(`upload.errors.${kind}`, { maxMb: maxUploadMb })}
      </p>
    );
  }
  return <ErrorMessage error={error} />;
}

export function UploadRow({ upload, maxUploadMb }: { upload: Upload; maxUploadMb: number }) {
  const t = useTranslations("documents");
  const locale = useLocale();
  const percent = Math.round(upload.progress * 100);
  return (
    <li
      data-testid="upload-row"
      data-status={upload.status}
      className="flex flex-col gap-2 rounded-lg border p-3 text-sm"
    >
      <div className="flex items-center gap-2">
        {upload.status === "done" && (
          <CheckCircle2Icon aria-hidden className="size-4 shrink-0 text-primary" />
        )}
        {upload.status === "duplicate" && (
          <CopyIcon aria-hidden className="size-4 shrink-0 text-muted-foreground" />
        )}
        {upload.status === "failed" && (
          <XCircleIcon aria-hidden className="size-4 shrink-0 text-destructive" />
        )}
        <span className="min-w-0 flex-1 wrap-anywhere font-medium">{upload.name}</span>
        <span className="shrink-0 text-xs text-muted-foreground">
          {formatBytes(upload.size, locale)}
        </span>
      </div>
      {upload.status === "uploading" && (
        <div className="flex items-center gap-3">
          <Progress
            value={percent}
            aria-label={t("upload.progress", { name: upload.name })}
            className="flex-1"
          />
          <span className="w-10 text-right text-xs tabular-nums text-muted-foreground">
            {percent}%
          </span>
        </div>
      )}
      {upload.status === "done" && (
        <p className="text-muted-foreground">{t("upload.done")}</p>
      )}
      {upload.status === "duplicate" && (
        <p className="text-muted-foreground">{t("upload.duplicate")}</p>
      )}
      {upload.status === "failed" && (
        <UploadFailure error={upload.error} maxUploadMb={maxUploadMb} />
      )}
    </li>
  );
}
