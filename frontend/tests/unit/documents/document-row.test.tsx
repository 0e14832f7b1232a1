import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { DocumentRow } from "@/components/documents/document-row";
import type { DocumentInfo } from "@/lib/api/schemas";
import { FAILURE_CODES } from "@/lib/documents/failure";
import { messages, renderWithIntl } from "../intl";

const base: DocumentInfo = {
  id: "d1",
  collection_id: "c1",
  filename: "apostila.pdf",
  content_type: "application/pdf",
  size_bytes: 1536 * 1024,
  pages: 12,
  chunks: 40,
  status: "ready",
  progress: 1,
  error: null,
  error_code: null,
  created_at: "2025-03-01T12:00:00Z",
};

function renderRow(document: Partial<DocumentInfo>, onDelete = vi.fn(async () => {})) {
  renderWithIntl(
    <ul>
      <DocumentRow document={{ ...base, ...document }} onDelete={onDelete} />
    </ul>,
  );
  return screen.getByTestId("document-row");
}

describe("DocumentRow", () => {
  it("shows a ready document's name, pages, chunks, size and status", () => {
    const row = renderRow({});
    expect(row).toHaveAttribute("data-status", "ready");
    expect(row).toHaveTextContent("apostila.pdf");
    expect(row).toHaveTextContent("12 páginas · 40 trechos · 1,5 MB");
    expect(within(row).getByTestId("document-status")).toHaveTextContent("Pronto");
    expect(within(row).queryByRole("progressbar")).toBeNull();
  });

  it("shows a progress bar while the document is processed", () => {
    const row = renderRow({ status: "running", progress: 0.42, chunks: 0, pages: null });
    expect(row).toHaveAttribute("data-status", "running");
    expect(within(row).getByTestId("document-status")).toHaveTextContent("Processando");
    const bar = within(row).getByRole("progressbar", { name: "Processamento de apostila.pdf" });
    expect(bar).toHaveAttribute("aria-valuenow", "42");
    expect(row).toHaveTextContent("42%");
    expect(row).not.toHaveTextContent("trechos");
  });

  it("shows a queued document with an empty progress bar", () => {
    const row = renderRow({ status: "queued", progress: 0 });
    expect(within(row).getByTestId("document-status")).toHaveTextContent("Na fila");
    expect(within(row).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "0");
  });

  it("says in plain Portuguese why a scanned PDF failed", () => {
    const row = renderRow({
      status: "failed",
      error: "The PDF has no text layer.",
      error_code: "scanned_pdf",
    });
    expect(within(row).getByTestId("document-status")).toHaveTextContent("Falhou");
    expect(within(row).getByTestId("document-error")).toHaveTextContent(
      "PDF digitalizado sem texto — use um PDF com texto selecionável (OCR)",
    );
    expect(row).not.toHaveTextContent("no text layer");
  });

  it.each(FAILURE_CODES)("has a translation for the failure code %s", (code) => {
    const row = renderRow({ status: "failed", error: "English reason", error_code: code });
    expect(within(row).getByTestId("document-error")).toHaveTextContent(
      messages.documents.failure[code],
    );
  });

  it("falls back to the server's sentence for an unknown code", () => {
    const row = renderRow({ status: "failed", error: "Something new broke.", error_code: "new_code" });
    expect(within(row).getByTestId("document-error")).toHaveTextContent("Something new broke.");
  });

  it("deletes only after confirmation", async () => {
    const user = userEvent.setup();
    const onDelete = vi.fn(async () => {});
    renderRow({}, onDelete);
    await user.click(screen.getByTestId("delete-document"));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog).toHaveTextContent("apostila.pdf");
    expect(onDelete).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Excluir" }));
    expect(onDelete).toHaveBeenCalledWith(expect.objectContaining({ id: "d1" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("keeps the dialog open with the error when deletion fails", async () => {
    const user = userEvent.setup();
    const { ApiError } = await import("@/lib/api/errors");
    renderRow({}, vi.fn(async () => Promise.reject(new ApiError("not_found", "gone", 404))));
    await user.click(screen.getByTestId("delete-document"));
    await user.click(await screen.findByTestId("confirm-delete"));
    const dialog = screen.getByRole("alertdialog");
    expect(within(dialog).getByTestId("error-message")).toHaveTextContent(
      "Não encontrado: talvez tenha sido excluído.",
    );
  });
});
