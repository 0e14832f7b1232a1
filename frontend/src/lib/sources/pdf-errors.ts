import { ApiError, kindForStatus } from "@/lib/api/errors";

/**
 * What a pdf.js loading failure means for the viewer: "missing" when the file is gone (the
 * chunk text can still be shown), otherwise an ApiError to show with a retry.
 */
export function pdfLoadFailure(error: unknown): "missing" | ApiError {
  const e = error as { name?: unknown; status?: unknown; missing?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (e?.name === "ResponseException" || e?.name === "MissingPDFException") {
    const status = typeof e.status === "number" ? e.status : 0;
    if (status === 404 || e.name === "MissingPDFException" || e.missing === true) return "missing";
    if (status === 0) return new ApiError("offline", message);
    return new ApiError(kindForStatus(status), message, status);
  }
  return new ApiError("unknown", message);
}
