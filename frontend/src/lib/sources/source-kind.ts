import type { Citation } from "@/lib/api/schemas";

/** Whether a file name is a PDF, which the viewer shows as pages rather than as text. */
export function isPdfFilename(filename: string): boolean {
  return /\.pdf$/i.test(filename.trim());
}

/** How a citation is shown: its PDF page, or the cited chunk as text (DOCX, Markdown, text). */
export function sourceView(citation: Citation): "pdf" | "text" {
  return isPdfFilename(citation.filename) && citation.page != null && citation.page >= 1
    ? "pdf"
    : "text";
}
