/**
 * Check dropped files before anything is sent, so a teacher reads why a file was refused in
 * plain words at once instead of after a long upload. The server checks again (and decides
 * by content too): this only catches what is obvious from the name and size.
 */

/** What the checks need to know about a file (a File has all of it). */
export type FileLike = { name: string; size: number };

export type UploadLimits = {
  maxUploadMb: number;
  maxUploadFiles: number;
  /** Lowercase, with the dot: [".pdf", ".docx", ".md", ".markdown", ".txt"]. */
  supportedExtensions: readonly string[];
};

export type RejectReason = "unsupported_type" | "too_large" | "empty" | "too_many";

export type Rejection<F extends FileLike> = { file: F; reason: RejectReason };

export type Validation<F extends FileLike> = { accepted: F[]; rejected: Rejection<F>[] };

/** The extension of a file name, lowercase with its dot ("Aula 1.PDF" → ".pdf"), or "". */
export function extensionOf(name: string): string {
  const match = /\.[^./\\]+$/.exec(name.trim());
  return match ? match[0].toLowerCase() : "";
}

/** The value for an <input type="file" accept> attribute. */
export function acceptAttribute(extensions: readonly string[]): string {
  return extensions.join(",");
}

function reasonFor(file: FileLike, limits: UploadLimits): RejectReason | null {
  const supported = limits.supportedExtensions.map((e) => e.toLowerCase());
  if (!supported.includes(extensionOf(file.name))) return "unsupported_type";
  if (file.size <= 0) return "empty";
  if (file.size > limits.maxUploadMb * 1024 * 1024) return "too_large";
  return null;
}

/**
 * Split one drop into the files to upload and the ones refused, each with its reason; only
 * the first `maxUploadFiles` good files of a drop are taken, the rest are "too_many".
 */
export function validateFiles<F extends FileLike>(
  files: Iterable<F>,
  limits: UploadLimits,
): Validation<F> {
  const result: Validation<F> = { accepted: [], rejected: [] };
  for (const file of files) {
    const reason = reasonFor(file, limits);
    if (reason) result.rejected.push({ file, reason });
    else if (result.accepted.length >= limits.maxUploadFiles)
      result.rejected.push({ file, reason: "too_many" });
    else result.accepted.push(file);
  }
  return result;
}
