import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SourcePanel } from "@/components/sources/source-panel";
import type { Citation } from "@/lib/api/schemas";
import { renderWithIntl } from "../intl";

const citation: Citation = {
  id: 1,
  document_id: "doc-1",
  filename: "resumo.docx",
  page: 3,
  quote: "A seleção natural favorece os mais aptos.",
  chunk_id: "chunk-7",
};

const chunk = {
  id: "chunk-7",
  document_id: "doc-1",
  filename: "resumo.docx",
  page: 3,
  text: "Darwin observou os tentilhões. A seleção natural favorece os mais aptos. Isso muda as populações.",
  before: "Capítulo 2 — Evolução.",
  after: "Capítulo 3 — Genética.",
};

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("SourcePanel (text sources)", () => {
  it("renders nothing without a citation", () => {
    renderWithIntl(<SourcePanel citation={null} onClose={() => {}} />);
    expect(screen.queryByTestId("source-panel")).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the chunk between its neighbours with the quote highlighted", async () => {
    fetchMock.mockResolvedValue(json(200, chunk));
    renderWithIntl(<SourcePanel citation={citation} onClose={() => {}} />);

    const panel = screen.getByTestId("source-panel");
    expect(within(panel).getByRole("heading", { name: "resumo.docx" })).toBeInTheDocument();
    expect(screen.getByTestId("source-page")).toHaveTextContent("Página 3");
    expect(panel).toHaveAttribute("data-view", "text");
    expect(within(panel).getByRole("status")).toHaveTextContent("Carregando o trecho…");

    const mark = await screen.findByTestId("source-highlight");
    expect(mark.tagName).toBe("MARK");
    expect(mark).toHaveTextContent("A seleção natural favorece os mais aptos.");
    expect(screen.getByTestId("source-chunk")).toHaveTextContent(/^Darwin observou.*populações\.$/);
    expect(panel).toHaveTextContent("Capítulo 2 — Evolução.");
    expect(panel).toHaveTextContent("Capítulo 3 — Genética.");
    expect(fetchMock).toHaveBeenCalledWith("/api/chunks/chunk-7", expect.anything());
  });

  it("scrolls the highlight into view", async () => {
    const scroll = vi.fn();
    Element.prototype.scrollIntoView = scroll;
    fetchMock.mockResolvedValue(json(200, chunk));
    renderWithIntl(<SourcePanel citation={citation} onClose={() => {}} />);
    await screen.findByTestId("source-highlight");
    expect(scroll).toHaveBeenCalledWith({ block: "center" });
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  });

  it("shows a translated error with a retry, and the quote meanwhile", async () => {
    const user = userEvent.setup();
    fetchMock.mockResolvedValueOnce(
      json(404, { error: { code: "not_found", message: "Chunk gone", request_id: "r-1" } }),
    );
    renderWithIntl(<SourcePanel citation={citation} onClose={() => {}} />);

    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("Não encontrado: talvez tenha sido excluído.");
    expect(screen.getByTestId("source-highlight")).toHaveTextContent(citation.quote);

    fetchMock.mockResolvedValueOnce(json(200, chunk));
    await user.click(within(error).getByRole("button", { name: "Tentar de novo" }));
    expect(await screen.findByText("Capítulo 2 — Evolução.")).toBeInTheDocument();
    expect(screen.queryByTestId("error-message")).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("shows just the quote when there is no chunk id, without a page for text files", () => {
    renderWithIntl(
      <SourcePanel
        citation={{ ...citation, filename: "notas.md", page: null, chunk_id: null }}
        onClose={() => {}}
      />,
    );
    expect(screen.getByTestId("source-page")).toHaveTextContent("Trecho citado");
    expect(screen.getByTestId("source-highlight")).toHaveTextContent(citation.quote);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("closes with the close button and with Escape", async () => {
    const user = userEvent.setup();
    fetchMock.mockResolvedValue(json(200, chunk));
    const onClose = vi.fn();
    renderWithIntl(<SourcePanel citation={citation} onClose={onClose} />);
    await user.click(screen.getByRole("button", { name: "Fechar" }));
    expect(onClose).toHaveBeenCalledTimes(1);
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it("loads the new chunk when the citation changes", async () => {
    fetchMock.mockImplementation(async (url: string) =>
      json(200, url.endsWith("chunk-8") ? { ...chunk, id: "chunk-8", text: "Outro trecho aqui." } : chunk),
    );
    const { rerender } = renderWithIntl(<SourcePanel citation={citation} onClose={() => {}} />);
    await screen.findByTestId("source-highlight");
    rerender(
      <SourcePanel
        citation={{ ...citation, chunk_id: "chunk-8", quote: "Outro trecho aqui." }}
        onClose={() => {}}
      />,
    );
    await waitFor(() =>
      expect(screen.getByTestId("source-highlight")).toHaveTextContent("Outro trecho aqui."),
    );
  });
});
