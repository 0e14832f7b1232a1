import { describe, expect, it } from "vitest";
import type { Citation } from "@/lib/api/schemas";
import { pdfLoadFailure } from "@/lib/sources/pdf-errors";
import { isPdfFilename, sourceView } from "@/lib/sources/source-kind";

const citation: Citation = {
  id: 1,
  document_id: "d",
  filename: "Aula.PDF",
  page: 4,
  quote: "q",
  chunk_id: "c",
};

describe("sourceView", () => {
  it("shows PDFs with a page as pages, everything else as text", () => {
    expect(isPdfFilename("aula.pdf ")).toBe(true);
    expect(isPdfFilename("pdf.docx")).toBe(false);
    expect(sourceView(citation)).toBe("pdf");
    expect(sourceView({ ...citation, page: null })).toBe("text");
    expect(sourceView({ ...citation, filename: "resumo.docx" })).toBe("text");
    expect(sourceView({ ...citation, filename: "notas.md", page: null })).toBe("text");
  });
});

describe("pdfLoadFailure", () => {
  const responseError = (status: number) =>
    Object.assign(new Error(`HTTP ${status}`), { name: "ResponseException", status, missing: status === 404 });

  it("treats a missing file as a reason to show the text instead", () => {
    expect(pdfLoadFailure(responseError(404))).toBe("missing");
  });

  it("maps other HTTP failures to translated error kinds", () => {
    expect(pdfLoadFailure(responseError(503))).toMatchObject({ kind: "backend_down", status: 503 });
    expect(pdfLoadFailure(responseError(0))).toMatchObject({ kind: "offline" });
  });

  it("calls anything else (a damaged file) unknown", () => {
    const invalid = Object.assign(new Error("Invalid PDF structure."), { name: "InvalidPDFException" });
    expect(pdfLoadFailure(invalid)).toMatchObject({ kind: "unknown" });
  });
});
