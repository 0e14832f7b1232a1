/**
 * Upload one file to a collection with XMLHttpRequest — fetch cannot report upload progress —
 * so every file of a drop has its own request and its own progress bar.
 */
import * as v from "valibot";
import { ApiError, kindForStatus, parseRetryAfter } from "@/lib/api/errors";
import { UploadResult, type UploadItem } from "@/lib/api/schemas";

export type UploadOptions = {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Called with the fraction sent so far, 0 to 1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
};

/** The ApiError for a finished request that failed, reading the backend's JSON error body. */
export function errorFromXhr(xhr: XMLHttpRequest): ApiError {
  if (xhr.status === 0) return new ApiError("offline", "The upload could not reach the server.");
  let code: string | null = null;
  let message = xhr.statusText || `HTTP ${xhr.status}`;
  let requestId = xhr.getResponseHeader("x-request-id");
  try {
    const body = JSON.parse(xhr.responseText);
    if (body && typeof body === "object" && body.error) {
      code = typeof body.error.code === "string" ? body.error.code : null;
      message = typeof body.error.message === "string" ? body.error.message : message;
      requestId = body.error.request_id ?? requestId;
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status alone decides.
  }
  return new ApiError(
    kindForStatus(xhr.status),
    message,
    xhr.status,
    code,
    requestId,
    parseRetryAfter(xhr.getResponseHeader("retry-after")),
  );
}

export function uploadUrl(collectionId: string): string {
  return `/api/collections/${encodeURIComponent(collectionId)}/documents`;
}

/** POST one file as multipart field `files`; resolves with the server's item for it. */
export function uploadFile(
  collectionId: string,
  file: File,
  { token, onProgress, signal }: UploadOptions = {},
): Promise<UploadItem> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl(collectionId));
    xhr.setRequestHeader("Accept", "application/json");
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(errorFromXhr(xhr));
        return;
      }
      onProgress?.(1);
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Checked below.
      }
      const parsed = v.safeParse(UploadResult, body);
      if (!parsed.success || parsed.output.items.length === 0) {
        reject(new ApiError("unknown", "Unexpected answer to the upload", xhr.status));
        return;
      }
      resolve(parsed.output.items[0]);
    };
    xhr.onerror = () => reject(errorFromXhr(xhr));
    xhr.ontimeout = () => reject(new ApiError("offline", "The upload timed out."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });

    const form = new FormData();
    form.append("files", file, file.name);
    xhr.send(form);
  });
}
