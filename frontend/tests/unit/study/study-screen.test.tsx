import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useSyncExternalStore } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Citation, Collection, DocumentInfo } from "@/lib/api/schemas";
import { apiError, cite, json, routeFetch, sentBodies, studySet } from "./fixtures";
import { renderStudy } from "./render";

// --- the page's surroundings: a router whose URL re-renders the page, a stand-in viewer -------

const url = vi.hoisted(() => {
  let params = new URLSearchParams();
  const listeners = new Set<() => void>();
  return {
    get: () => params,
    set(next: string) {
      params = new URLSearchParams(next.split("?")[1] ?? "");
      for (const l of listeners) l();
    },
    subscribe(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
});
const router = { replace: vi.fn((next: string) => url.set(next)), push: vi.fn(), refresh: vi.fn() };
vi.mock("next/navigation", () => ({
  useRouter: () => router,
  useSearchParams: () => useSyncExternalStore(url.subscribe, url.get, url.get),
}));
vi.mock("@/components/sources/source-panel", () => ({
  SourcePanel: ({ citation }: { citation: Citation | null }) =>
    citation ? <aside data-testid="source-panel">{`${citation.filename}#${citation.page}`}</aside> : null,
}));

const { StudyScreen } = await import("@/components/study/study-screen");

const collections: Collection[] = [
  { id: "col-bio", name: "Biologia", description: "", documents: 2, created_at: "2026-12-01T10:00:00Z" },
];
const doc = (overrides: Partial<DocumentInfo>): DocumentInfo => ({
  id: "doc-bio",
  collection_id: "col-bio",
  filename: "bio.pdf",
  content_type: "application/pdf",
  size_bytes: 1000,
  pages: 3,
  chunks: 6,
  status: "ready",
  progress: 1,
  error: null,
  error_code: null,
  created_at: "2026-12-01T10:00:00Z",
  ...overrides,
});
const documents = [doc({}), doc({ id: "doc-new", filename: "novo.pdf", status: "running", pages: null })];

const base = {
  "GET /api/collections": () => json(200, { items: collections }),
  "GET /api/collections/col-bio/documents": () => json(200, { items: documents }),
  "GET /api/study/sets": () => json(200, { items: [] }),
};

beforeEach(() => {
  url.set("/study");
  router.replace.mockClear();
});
afterEach(() => vi.unstubAllGlobals());

async function renderScreen() {
  const user = userEvent.setup();
  renderStudy(<StudyScreen />);
  await waitFor(() => expect(screen.getByTestId("collection-picker")).toHaveValue("col-bio"));
  return { user };
}

// --- the tests ---------------------------------------------------------------------------------

describe("StudyScreen", () => {
  it("creates a quiz from pages of one document, follows its progress, then shows it", async () => {
    const queued = studySet({ id: "set-new", status: "queued", progress: 0, items: [], items_count: 0, mode: null });
    const fetch = routeFetch({
      ...base,
      "POST /api/study/sets": () => json(202, queued),
      "GET /api/study/sets/set-new": [
        () => json(200, { ...queued, status: "running", progress: 0.5 }),
        () => json(200, studySet({ id: "set-new" })),
      ],
      "GET /api/study/sets/set-new/attempts": () => json(200, { items: [] }),
    });
    const { user } = await renderScreen();
    expect(screen.getByRole("combobox", { name: "Estudar a partir de" })).toHaveValue("");
    expect(screen.getByTestId("study-kind-quiz")).toBeChecked();
    // Only ready documents can be chosen.
    await waitFor(() => expect(within(screen.getByTestId("study-scope")).getAllByRole("option")).toHaveLength(3));
    expect(within(screen.getByTestId("study-scope")).getByRole("option", { name: "novo.pdf (não está pronto)" })).toBeDisabled();
    await user.selectOptions(screen.getByTestId("study-scope"), "doc-bio");
    await user.type(screen.getByRole("spinbutton", { name: "Da página" }), "2");
    await user.type(screen.getByRole("spinbutton", { name: "Até a página" }), "3");
    await user.clear(screen.getByRole("spinbutton", { name: "Número de perguntas" }));
    await user.type(screen.getByRole("spinbutton", { name: "Número de perguntas" }), "5");
    await user.click(screen.getByTestId("study-submit"));

    expect(sentBodies(fetch, "POST /api/study/sets")).toEqual([
      { kind: "quiz", collection_id: "col-bio", document_id: "doc-bio", page_from: 2, page_to: 3, count: 5 },
    ]);
    expect(router.replace).toHaveBeenCalledWith("/study?set=set-new", { scroll: false });
    const view = screen.getByTestId("study-set-view");
    expect(view).toHaveAttribute("data-status", "queued"); // shown at once, from the POST's answer
    expect(screen.getByTestId("study-live")).toHaveTextContent("Aguardando a vez…");
    expect(await screen.findByText("Montando… 50%", { selector: '[data-testid="study-live"]' }, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Montagem do conjunto de estudo" })).toHaveAttribute("aria-valuenow", "50");

    await waitFor(() => expect(view).toHaveAttribute("data-status", "ready"), { timeout: 3000 });
    expect(screen.getByTestId("study-live")).toHaveTextContent("O conjunto de estudo está pronto.");
    expect(screen.getByTestId("study-mode")).toHaveTextContent("Feito com trechos do material");
    expect(screen.getAllByTestId("quiz-question")).toHaveLength(3);
    expect(screen.queryByRole("progressbar")).toBeNull();
  });

  it("explains the study API's refusals in words, with the request id", async () => {
    routeFetch({
      ...base,
      "POST /api/study/sets": [
        () => apiError(409, "document_not_ready", "Document is still processing", "req-1"),
        () => apiError(422, "empty_range", "No text on pages 2-3", "req-2"),
        () => apiError(404, "not_found", "Collection not found", "req-3"),
      ],
    });
    const { user } = await renderScreen();
    await user.click(screen.getByTestId("study-submit"));
    let error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("Esse documento ainda está sendo processado");
    expect(error).toHaveTextContent("req-1");
    await user.click(screen.getByTestId("study-submit"));
    await waitFor(() => expect(screen.getByTestId("error-message")).toHaveTextContent("Não há texto nesse intervalo de páginas"));
    await user.click(screen.getByTestId("study-submit"));
    await waitFor(() => expect(screen.getByTestId("error-message")).toHaveTextContent("Não encontrado"));
    error = screen.getByTestId("error-message");
    expect(error).toHaveTextContent("req-3");
    expect(screen.queryByTestId("study-set-view")).toBeNull();
  });

  it("checks the page range and the count before sending", async () => {
    const fetch = routeFetch(base);
    const { user } = await renderScreen();
    await waitFor(() => expect(within(screen.getByTestId("study-scope")).getAllByRole("option")).toHaveLength(3));
    await user.selectOptions(screen.getByTestId("study-scope"), "doc-bio");
    await user.type(screen.getByTestId("study-page-from"), "3");
    await user.type(screen.getByTestId("study-page-to"), "2");
    await user.click(screen.getByTestId("study-submit"));
    expect(screen.getByTestId("study-form-problem")).toHaveTextContent("A primeira página não pode vir depois da última.");
    expect(screen.getByTestId("study-page-to")).toHaveFocus();
    expect(screen.getByTestId("study-page-to")).toHaveAttribute("aria-invalid", "true");
    await user.clear(screen.getByTestId("study-page-to"));
    await user.type(screen.getByTestId("study-page-to"), "9");
    await user.click(screen.getByTestId("study-submit"));
    expect(screen.getByTestId("study-form-problem")).toHaveTextContent("As páginas vão de 1 a 3.");
    await user.clear(screen.getByTestId("study-page-to"));
    await user.clear(screen.getByTestId("study-count"));
    await user.type(screen.getByTestId("study-count"), "80");
    await user.click(screen.getByTestId("study-submit"));
    expect(screen.getByTestId("study-form-problem")).toHaveTextContent("Escolha um número de 1 a 50.");
    expect(fetch.mock.calls.filter(([, init]) => init?.method === "POST")).toHaveLength(0);
  });

  it("reopens a set from the list; its citations open the source viewer", async () => {
    const guide = studySet({
      id: "set-g",
      kind: "guide",
      title: "Roteiro: Biologia",
      mode: "generated",
      items_count: 1,
      items: [
        { id: "t1", position: 0, kind: "topic", prompt: "Seleção natural", answer: "Resumo.", choices: [], explanation: null, citations: [cite(1, 2)] },
      ],
    });
    routeFetch({
      ...base,
      "GET /api/study/sets": (_init, u) => {
        expect(u.searchParams.get("collection_id")).toBe("col-bio");
        return json(200, { items: [{ ...guide, items: undefined }] });
      },
      "GET /api/study/sets/set-g": () => json(200, guide),
    });
    const { user } = await renderScreen();
    const row = await screen.findByTestId("study-set");
    expect(row).toHaveTextContent("Roteiro: Biologia");
    expect(row).toHaveTextContent("Roteiro de estudo");
    expect(row).toHaveTextContent("Pronto");
    expect(row).toHaveTextContent("1 item");
    await user.click(within(row).getByTestId("open-study-set"));
    expect(router.replace).toHaveBeenCalledWith("/study?set=set-g", { scroll: false });
    const topic = await screen.findByTestId("guide-topic");
    expect(screen.getByRole("heading", { level: 1, name: "Roteiro: Biologia" })).toBeInTheDocument();
    await user.click(within(topic).getByTestId("source-item"));
    expect(await screen.findByTestId("source-panel")).toHaveTextContent("bio.pdf#2");

    await user.click(screen.getByTestId("study-back"));
    expect(router.replace).toHaveBeenLastCalledWith("/study", { scroll: false });
    expect(await screen.findByTestId("study-create")).toBeInTheDocument();
    expect(screen.queryByTestId("source-panel")).toBeNull();
  });

  it("says why a set could not be built", async () => {
    url.set("/study?set=set-f");
    routeFetch({
      ...base,
      "GET /api/study/sets/set-f": () =>
        json(200, studySet({ id: "set-f", status: "failed", error: "No text", error_code: "no_text", items: [] })),
    });
    renderStudy(<StudyScreen />);
    const failed = await screen.findByTestId("study-failed");
    expect(failed).toHaveTextContent("Não foi possível montar o conjunto de estudo.");
    expect(failed).toHaveTextContent("Não há texto aproveitável no material escolhido.");
  });

  it("says a set is gone, and goes back to the list", async () => {
    url.set("/study?set=gone");
    routeFetch({ ...base, "GET /api/study/sets/gone": () => apiError(404, "not_found", "Set not found", "req-8") });
    const user = userEvent.setup();
    renderStudy(<StudyScreen />);
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("Não encontrado");
    expect(error).toHaveTextContent("req-8");
    await user.click(screen.getByTestId("study-back"));
    expect(await screen.findByTestId("study-sets-empty")).toBeInTheDocument();
  });

  it("deletes a set after asking", async () => {
    const fetch = routeFetch({
      ...base,
      "GET /api/study/sets": () => json(200, { items: [studySet()] }),
      "DELETE /api/study/sets/set-1": () => new Response(null, { status: 204 }),
    });
    const { user } = await renderScreen();
    await user.click(await screen.findByRole("button", { name: "Excluir Quiz: Biologia" }));
    await user.click(screen.getByTestId("confirm-delete"));
    await waitFor(() => expect(screen.queryByTestId("study-set")).toBeNull());
    expect(fetch.mock.calls.some(([u, init]) => String(u) === "/api/study/sets/set-1" && init?.method === "DELETE")).toBe(true);
  });

  it("points to the documents page when there is no material", async () => {
    routeFetch({ ...base, "GET /api/collections": () => json(200, { items: [] }) });
    renderStudy(<StudyScreen />);
    expect(await screen.findByTestId("no-collections")).toBeInTheDocument();
    expect(screen.queryByTestId("study-create")).toBeNull();
  });

  it("speaks English", async () => {
    routeFetch(base);
    renderStudy(<StudyScreen />, { locale: "en" });
    expect(await screen.findByRole("heading", { level: 1, name: "Study" })).toBeInTheDocument();
    expect(await screen.findByRole("radio", { name: /Flashcards/ })).toBeInTheDocument();
    expect(await screen.findByTestId("study-sets-empty")).toHaveTextContent("No study sets for this material yet.");
  });
});
