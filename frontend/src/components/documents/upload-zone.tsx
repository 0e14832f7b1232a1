"use client";
/**
 * Drop files (or choose them) to add them to a collection. Files are checked here first, then
 * each is sent in its own request with its own progress bar. Uploads keep going when another
 * collection is selected; each collection lists its own.
 */
import { UploadIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useEffect, useId, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button, buttonVariants } from "@/components/ui/button";
import { getAdminToken } from "@/lib/admin-token";
import { uploadFile } from "@/lib/documents/upload";
import {
  acceptAttribute,
  validateFiles,
  type Rejection,
  type UploadLimits,
} from "@/lib/documents/validate";
import { cn } from "@/lib/utils";
import { useAdmin } from "./admin-gate";
import { UploadRow, type Upload } from "./upload-row";

type Entry = Upload & { collectionId: string };

export type UploadZoneProps = {
  collectionId: string;
  limits: UploadLimits;
  /** A file of `collectionId` was stored: its list should be asked again. */
  onUploaded: (collectionId: string) => void;
};

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export function UploadZone({ collectionId, limits, onUploaded }: UploadZoneProps) {
  const t = useTranslations("documents");
  const admin = useAdmin();
  const inputId = useId();
  const hintId = useId();
  const [uploads, setUploads] = useState<Entry[]>([]);
  const [rejection, setRejection] = useState<{ collectionId: string; files: Rejection<File>[] }>({
    collectionId,
    files: [],
  });
  const [dragging, setDragging] = useState(false);
  const nextKey = useRef(0);
  const controller = useRef<AbortController | null>(null);

  // Uploads still running when the page is left are cancelled.
  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    return () => current.abort();
  }, []);

  function update(key: string, change: Partial<Entry>) {
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));
  }

  function start(entry: Entry, file: File) {
    uploadFile(entry.collectionId, file, {
      token: getAdminToken(),
      signal: controller.current?.signal,
      onProgress: (progress) => update(entry.key, { progress }),
    }).then(
      (item) => {
        update(entry.key, { progress: 1, status: item.duplicate ? "duplicate" : "done" });
        onUploaded(entry.collectionId);
      },
      (error: unknown) => {
        if (isAbort(error) || admin.handleError(error)) return;
        update(entry.key, { status: "failed", error });
      },
    );
  }

  function addFiles(files: File[]) {
    if (files.length === 0) return;
    const { accepted, rejected } = validateFiles(files, limits);
    setRejection({ collectionId, files: rejected });
    const entries = accepted.map<Entry>((file) => ({
      key: String(nextKey.current++),
      collectionId,
      name: file.name,
      size: file.size,
      progress: 0,
      status: "uploading",
    }));
    setUploads((all) => [...all, ...entries]);
    entries.forEach((entry, index) => start(entry, accepted[index]));
  }

  const shown = uploads.filter((u) => u.collectionId === collectionId);
  const rejected = rejection.collectionId === collectionId ? rejection.files : [];
  const finished = shown.some((u) => u.status !== "uploading");

  return (
    <section aria-labelledby={`${inputId}-heading`} className="flex flex-col gap-3">
      <h2 id={`${inputId}-heading`} className="text-base font-semibold">
        {t("upload.title")}
      </h2>
      <div
        data-testid="drop-zone"
        data-dragging={dragging || undefined}
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          addFiles(Array.from(event.dataTransfer.files));
        }}
        className={cn(
          "flex flex-col items-center gap-3 rounded-lg border-2 border-dashed p-6 text-center transition-colors",
          dragging ? "border-primary bg-accent" : "bg-muted/40",
        )}
      >
        <UploadIcon aria-hidden className="size-6 text-muted-foreground" />
        <p className="text-sm">{t("upload.drop")}</p>
        <label
          htmlFor={inputId}
          className={cn(
            buttonVariants({ variant: "outline" }),
            "cursor-pointer has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring",
          )}
        >
          {t("upload.choose")}
          <input
            id={inputId}
            type="file"
            multiple
            accept={acceptAttribute(limits.supportedExtensions)}
            aria-describedby={hintId}
            className="sr-only"
            data-testid="file-input"
            onChange={(event) => {
              addFiles(Array.from(event.target.files ?? []));
              event.target.value = "";
            }}
          />
        </label>
        <p id={hintId} className="text-xs text-muted-foreground">
          {t("upload.hint", {
            extensions: limits.supportedExtensions.join(", "),
            maxMb: limits.maxUploadMb,
            maxFiles: limits.maxUploadFiles,
          })}
        </p>
      </div>

      {rejected.length > 0 && (
        <Alert tone="error">
          <ul className="flex flex-col gap-1">
            {rejected.map(({ file, reason }, index) => (
              <li key={`${file.name}-${index}`} data-testid="upload-rejection" data-reason={reason}>
                {t(`upload.reject.${reason}`, {
                  name: file.name,
                  maxMb: limits.maxUploadMb,
                  maxFiles: limits.maxUploadFiles,
                  extensions: limits.supportedExtensions.join(", "),
                })}
              </li>
            ))}
          </ul>
        </Alert>
      )}

      {shown.length > 0 && (
        <div className="flex flex-col gap-2">
          <ul className="flex flex-col gap-2" aria-label={t("upload.listLabel")}>
            {shown.map((upload) => (
              <UploadRow key={upload.key} upload={upload} maxUploadMb={limits.maxUploadMb} />
            ))}
          </ul>
          {finished && (
            <Button
              variant="ghost"
              size="sm"
              className="self-end"
              onClick={() =>
                setUploads((all) =>
                  all.filter((u) => u.collectionId !== collectionId || u.status === "uploading"),
                )
              }
            >
              {t("upload.clear")}
            </Button>
          )}
        </div>
      )}
    </section>
  );
}
