import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Citation, Collection, Conversation } from "@/lib/api/schemas";
import { renderWithIntl } from "../intl";
import { api, biology, stubScreenEnv } from "./screen-env";
import { answerParts, citations, SSE_HEADERS, sse, sseResponse } from "./sse";

// --- the page's surroundings -------------------------------------------------------------------

const router = { replace: vi.fn(), push: vi.fn(), refresh: vi.fn() };
let searchParams = new URLSearchParams();
vi.mock("next/navigation", () => ({
  useRouter: () => router,
  useSearchParams: () => searchParams,
}));

vi.mock("@/components/sources/source-panel", () => ({
  SourcePanel: ({ citation }: { citation: Citation | null }) =>
    citation ? <aside data-testid="source-panel">{`${citation.filename}#${citation.page}`}</aside> : null,
}));

const collections: Collection[] = [
  biology,
  { id: "col-hist", name: "História", description: "", documents: 1, created_at: "2025-05-02T10:00:00Z" },
];
vi.mock("@/lib/api/client", () => import("./screen-env"));

const { ChatScreen } = await import("@/components/chat/chat-screen");

const fetchMock = vi.fn<typeof fetch>();

beforeEach(() => {
  searchParams = new URLSearchParams();
  // Like the real router: replacing the URL changes what useSearchParams reads next render.
  router.replace.mockReset().mockImplementation((url: string) => {
    searchParams = new URLSearchParams(url.split("?")[1] ?? "");
  });
  api.conversation.mockReset();
  api.feedback.mockResolvedValue(undefined);
  fetchMock.mockReset();
  stubScreenEnv(fetchMock, collections);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

async function renderChat() {
  const user = userEvent.setup();
  renderWithIntl(<ChatScreen />);
  const picker = await screen.findByTestId("collection-picker");
  await waitFor(() => expect(picker).toHaveValue("col-bio"));
  return { user, picker };
}

async function ask(user: ReturnType<typeof userEvent.setup>, question: string) {
  await user.type(screen.getByTestId("composer"), question);
  await user.keyboard("{Enter}");
}

function lastAskBody() {
  const init = fetchMock.mock.calls.at(-1)?.[1];
  return JSON.parse(String(init?.body));
}

// --- the tests ---------------------------------------------------------------------------------

describe("ChatScreen", () => {
  it("streams an answer with chips that open the source panel, and remembers the conversation", async () => {
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    const { user } = await renderChat();

    await ask(user, "O que é seleção natural?");

    expect(await screen.findByTestId("user-message")).toHaveTextContent("O que é seleção natural?");
    const answer = await screen.findByTestId("assistant-message");
    await waitFor(() => expect(answer).toHaveAttribute("data-state", "done"));
    expect(answer).toHaveTextContent("A seleção natural explica a adaptação");
    expect(within(answer).getAllByTestId("citation-chip")).toHaveLength(2); // [1] and [2]; [7] is unknown
    expect(within(answer).getAllByTestId("source-item")).toHaveLength(2);

    // No user id in the body: the student is the backend's HttpOnly cookie.
    expect(lastAskBody()).toEqual({ question: "O que é seleção natural?", collection_id: "col-bio" });
    expect(window.localStorage.getItem("chatgepeto.userId")).toBeNull();
    expect(new Headers(fetchMock.mock.calls[0][1]?.headers).get("accept")).toBe("text/event-stream");

    await user.click(within(answer).getAllByTestId("citation-chip")[0]);
    expect(screen.getByTestId("source-panel")).toHaveTextContent("bio.pdf#2");

    expect(router.replace).toHaveBeenCalledWith("/?c=conv-1", { scroll: false });
    expect(screen.getByTestId("chat-status")).toHaveTextContent("Resposta pronta.");
    expect(api.conversations).toHaveBeenCalledTimes(2); // the history refreshed after the answer

    // The next question continues the same conversation.
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ messageId: "msg-a2" })));
    await ask(user, "E a adaptação?");
    await waitFor(() => expect(screen.getAllByTestId("assistant-message")).toHaveLength(2));
    expect(lastAskBody()).toMatchObject({ question: "E a adaptação?", conversation_id: "conv-1" });
  });

  it("sends feedback with the answer's message id", async () => {
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    const { user } = await renderChat();
    await ask(user, "Pergunta");
    await waitFor(() => expect(screen.getByTestId("assistant-message")).toHaveAttribute("data-state", "done"));

    await user.click(screen.getByTestId("feedback-down"));
    expect(api.feedback).toHaveBeenCalledWith("msg-a1", "down");
    await user.type(screen.getByTestId("feedback-comment"), "Faltou a página certa");
    await user.click(screen.getByTestId("feedback-submit"));
    expect(api.feedback).toHaveBeenLastCalledWith("msg-a1", "down", "Faltou a página certa");
    expect(await screen.findByText("Comentário enviado. Obrigado!")).toBeInTheDocument();
  });

  it.each([
    [
      "429 with Retry-After",
      () =>
        Response.json(
          { error: { code: "rate_limited", message: "Too many", request_id: "r1" } },
          { status: 429, headers: { "retry-after": "5" } },
        ),
      "Muitas perguntas em pouco tempo. Tente de novo em 5 s.",
    ],
    ["503", () => new Response("Service Unavailable", { status: 503 }), "O servidor do ChatGepeto está fora do ar"],
    [
      "offline",
      () => {
        throw new TypeError("Failed to fetch");
      },
      "Sem conexão com a internet.",
    ],
  ])("shows a translated error for %s, and retries", async (_name, respond, text) => {
    fetchMock.mockImplementationOnce(async () => respond());
    const { user } = await renderChat();
    await ask(user, "Pergunta?");

    const alert = await screen.findByTestId("error-message");
    expect(alert).toHaveTextContent(text);
    expect(screen.queryByTestId("assistant-message")).toBeNull();

    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    await user.click(within(alert).getByRole("button", { name: "Tentar de novo" }));
    await waitFor(() => expect(screen.getByTestId("assistant-message")).toHaveAttribute("data-state", "done"));
    expect(screen.queryByTestId("error-message")).toBeNull();
    expect(screen.getAllByTestId("user-message")).toHaveLength(1);
    expect(lastAskBody().question).toBe("Pergunta?");
  });

  it("keeps the partial answer when the connection drops mid-stream", async () => {
    const encoder = new TextEncoder();
    const head = answerParts().slice(0, 4); // start, keep-alive, text-start, first delta
    fetchMock.mockImplementationOnce(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(sse(head)));
          setTimeout(() => controller.error(new TypeError("network error")), 20);
        },
      });
      return new Response(body, { headers: SSE_HEADERS });
    });
    const { user } = await renderChat();
    await ask(user, "Pergunta?");

    const alert = await screen.findByTestId("error-message");
    expect(alert).toHaveTextContent("A conexão caiu no meio da resposta");
    const answer = screen.getByTestId("assistant-message");
    expect(answer).toHaveTextContent("A seleção natural");
    expect(answer).toHaveAttribute("data-state", "done");
    expect(within(alert).getByRole("button", { name: "Tentar de novo" })).toBeInTheDocument();
  });

  it("has a stop button while streaming", async () => {
    fetchMock.mockImplementationOnce(
      async (_url, init) =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(sse(answerParts().slice(0, 4))));
              init?.signal?.addEventListener("abort", () => controller.error(init.signal!.reason));
            },
          }),
          { headers: SSE_HEADERS },
        ),
    );
    const { user } = await renderChat();
    await ask(user, "Pergunta?");
    const answer = await screen.findByTestId("assistant-message");
    expect(answer).toHaveAttribute("data-state", "streaming");
    expect(screen.queryByTestId("send")).toBeNull();
    await user.click(screen.getByTestId("stop"));
    await waitFor(() => expect(answer).toHaveAttribute("data-state", "done"));
    expect(screen.getByTestId("send")).toBeInTheDocument();
    expect(answer).toHaveTextContent("A seleção natural");
  });

  it("sends on Enter only: Shift+Enter adds a line and an IME composition is left alone", async () => {
    const { user } = await renderChat();
    const composer = screen.getByTestId("composer");
    expect(screen.getByTestId("send")).toBeDisabled();
    await user.type(composer, "linha 1{Shift>}{Enter}{/Shift}linha 2");
    expect(composer).toHaveValue("linha 1\nlinha 2");
    act(() => {
      composer.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, isComposing: true }));
    });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.getByTestId("send")).toBeEnabled();
  });

  it("sends a starter question at once", async () => {
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    const { user } = await renderChat();
    const starters = screen.getAllByTestId("starter-question");
    expect(starters.length).toBeGreaterThanOrEqual(3);
    await user.click(starters[0]);
    await screen.findByTestId("assistant-message");
    expect(lastAskBody().question).toBe("Faça um resumo dos principais pontos do material.");
  });

  it("remembers the chosen collection", async () => {
    const { user, picker } = await renderChat();
    await user.selectOptions(picker, "col-hist");
    expect(window.localStorage.getItem("chatgepeto.collectionId")).toBe("col-hist");
  });

  it("reopens the conversation in ?c= with its messages, citations and collection", async () => {
    searchParams = new URLSearchParams("c=conv-7");
    const conversation: Conversation = {
      id: "conv-7",
      collection_id: "col-hist",
      user_id: "u_x",
      title: "Revolução",
      created_at: "2025-05-01T10:00:00",
      updated_at: "2025-05-01T10:05:00",
      messages: [
        { id: "m1", role: "user", content: "Quando foi?", mode: null, citations: [], provider: null, model: null, incomplete: false, created_at: "2025-05-01T10:00:00" },
        { id: "m2", role: "assistant", content: "Em 1789 [1].", mode: "generated", citations: [citations[0]], provider: "groq", model: "m", incomplete: false, created_at: "2025-05-01T10:00:01" },
      ],
    };
    api.conversation.mockResolvedValue(conversation);
    renderWithIntl(<ChatScreen />);
    const answer = await screen.findByTestId("assistant-message");
    expect(answer).toHaveTextContent("Em 1789");
    expect(within(answer).getByTestId("citation-chip")).toHaveAccessibleName("Fonte 1: bio.pdf, página 2");
    expect(screen.getByTestId("user-message")).toHaveTextContent("Quando foi?");
    await waitFor(() => expect(screen.getByTestId("collection-picker")).toHaveValue("col-hist"));
    expect(api.conversation).toHaveBeenCalledWith("conv-7");

    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ conversationId: "conv-7" })));
    const user = userEvent.setup();
    await ask(user, "E depois?");
    await waitFor(() => expect(screen.getAllByTestId("assistant-message")).toHaveLength(2));
    expect(lastAskBody()).toMatchObject({ conversation_id: "conv-7", collection_id: "col-hist" });
  });

  it("explains a conversation that no longer exists, then starts a new one", async () => {
    searchParams = new URLSearchParams("c=gone");
    const { ApiError } = await import("@/lib/api/errors");
    api.conversation.mockRejectedValue(new ApiError("not_found", "gone", 404));
    renderWithIntl(<ChatScreen />);
    expect(await screen.findByTestId("error-message")).toHaveTextContent("Não encontrado");

    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ conversationId: "conv-new" })));
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByTestId("collection-picker")).toHaveValue("col-bio"));
    await ask(user, "Outra pergunta");
    await waitFor(() => expect(screen.getByTestId("assistant-message")).toHaveAttribute("data-state", "done"));
    expect(lastAskBody()).not.toHaveProperty("conversation_id");
    expect(screen.queryByTestId("error-message")).toBeNull();
    expect(router.replace).toHaveBeenLastCalledWith("/?c=conv-new", { scroll: false });
  });

  it("starts a new conversation from the toolbar", async () => {
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    const { user } = await renderChat();
    await ask(user, "Pergunta");
    await waitFor(() => expect(screen.getByTestId("assistant-message")).toHaveAttribute("data-state", "done"));
    expect(searchParams.get("c")).toBe("conv-1");
    await user.click(screen.getByTestId("new-chat"));
    await waitFor(() => expect(screen.queryByTestId("assistant-message")).toBeNull());
    expect(screen.getAllByTestId("starter-question").length).toBeGreaterThan(0);
    expect(router.replace).toHaveBeenLastCalledWith("/", { scroll: false });
    expect(api.conversation).not.toHaveBeenCalled();

    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ conversationId: "conv-2" })));
    await ask(user, "Nova pergunta");
    await waitFor(() => expect(screen.getByTestId("assistant-message")).toHaveAttribute("data-state", "done"));
    expect(lastAskBody()).not.toHaveProperty("conversation_id");
  });

  it("points to the documents page when there is no collection", async () => {
    api.collections.mockResolvedValue([]);
    renderWithIntl(<ChatScreen />);
    const empty = await screen.findByTestId("no-collections");
    expect(within(empty).getByRole("link", { name: "Documentos" })).toHaveAttribute("href", "/documents");
    expect(screen.getByTestId("send")).toBeDisabled();
  });
});
