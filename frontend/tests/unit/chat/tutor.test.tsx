import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildAskBody } from "@/lib/chat/transport";
import { isTutorAnswer, revealableQuestion } from "@/lib/chat/tutor";
import type { ChatMessage } from "@/lib/chat/types";
import { renderWithIntl } from "../intl";
import { stubScreenEnv } from "./screen-env";
import { answerParts, sseResponse } from "./sse";

const router = { replace: vi.fn(), push: vi.fn(), refresh: vi.fn() };
let searchParams = new URLSearchParams();
vi.mock("next/navigation", () => ({
  useRouter: () => router,
  useSearchParams: () => searchParams,
}));
vi.mock("@/components/sources/source-panel", () => ({ SourcePanel: () => null }));

vi.mock("@/lib/api/client", () => import("./screen-env"));

const { ChatScreen } = await import("@/components/chat/chat-screen");
const fetchMock = vi.fn<typeof fetch>();
const HINT = ["Pense no que varia entre os indivíduos. ", "O que acontece com quem tem uma variação favorável?"];

beforeEach(() => {
  searchParams = new URLSearchParams();
  router.replace.mockReset().mockImplementation((url: string) => {
    searchParams = new URLSearchParams(url.split("?")[1] ?? "");
  });
  fetchMock.mockReset();
  stubScreenEnv(fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

const bodies = () => fetchMock.mock.calls.map(([, init]) => JSON.parse(String(init?.body)));

async function renderChat() {
  const user = userEvent.setup();
  renderWithIntl(<ChatScreen />);
  await waitFor(() => expect(screen.getByTestId("collection-picker")).toHaveValue("col-bio"));
  return user;
}

async function ask(user: ReturnType<typeof userEvent.setup>, question: string) {
  await user.type(screen.getByTestId("composer"), question);
  await user.keyboard("{Enter}");
}

const answersDone = (n: number) =>
  waitFor(() => {
    const answers = screen.getAllByTestId("assistant-message");
    expect(answers).toHaveLength(n);
    expect(answers.at(-1)).toHaveAttribute("data-state", "done");
  });

describe("the tutor switch", () => {
  it("is off at first, is remembered, and sends tutor: true; the full answer comes on request", async () => {
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ deltas: HINT })));
    const user = await renderChat();
    const toggle = screen.getByRole("switch", { name: /Modo tutor/ });
    expect(toggle).not.toBeChecked();
    expect(toggle).toHaveAccessibleDescription(/uma dica e uma pergunta/);
    await user.click(toggle);
    expect(toggle).toBeChecked();
    expect(window.localStorage.getItem("chatgepeto.tutor")).toBe("1");

    await ask(user, "Quais são as causas da seleção natural?");
    await answersDone(1);
    expect(bodies()[0]).toEqual({
      question: "Quais são as causas da seleção natural?",
      collection_id: "col-bio",
      tutor: true,
    });

    // The hint gets a button for the full answer: the same question, without tutor mode, in
    // the same conversation (even with the switch still on).
    const reveal = screen.getByRole("button", { name: "Mostrar a resposta completa" });
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ messageId: "msg-a2" })));
    await user.click(reveal);
    await answersDone(2);
    expect(bodies()[1]).toEqual({
      question: "Quais são as causas da seleção natural?",
      collection_id: "col-bio",
      conversation_id: "conv-1",
    });
    expect(screen.getAllByTestId("user-message")).toHaveLength(2);
    expect(screen.queryByTestId("tutor-reveal")).toBeNull(); // a full answer has nothing to reveal
    expect(toggle).toBeChecked();

    // The next question is a tutor one again.
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ messageId: "msg-a3", deltas: HINT })));
    await ask(user, "E a deriva?");
    await answersDone(3);
    expect(bodies()[2]).toMatchObject({ question: "E a deriva?", tutor: true, conversation_id: "conv-1" });
    expect(screen.getByTestId("tutor-reveal")).toBeInTheDocument();
  });

  it("comes back on from this browser's memory and can be switched off", async () => {
    window.localStorage.setItem("chatgepeto.tutor", "1");
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    const user = await renderChat();
    const toggle = screen.getByTestId("tutor-switch");
    expect(toggle).toBeChecked();
    // Keyboard: Space toggles the focused switch.
    toggle.focus();
    await user.keyboard(" ");
    expect(toggle).not.toBeChecked();
    expect(window.localStorage.getItem("chatgepeto.tutor")).toBeNull();
    await ask(user, "Pergunta?");
    await answersDone(1);
    expect(bodies()[0]).not.toHaveProperty("tutor");
    expect(screen.queryByTestId("tutor-reveal")).toBeNull();
  });

  it("keeps tutor mode when a tutor answer is regenerated", async () => {
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ deltas: HINT })));
    const user = await renderChat();
    await user.click(screen.getByTestId("tutor-switch"));
    await ask(user, "Pergunta?");
    await answersDone(1);
    await user.click(screen.getByTestId("tutor-switch")); // off now: the old question keeps its mode
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts({ deltas: HINT, messageId: "msg-a9" })));
    await user.click(within(screen.getByTestId("assistant-message")).getByTestId("regenerate"));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(bodies()[1]).toMatchObject({ question: "Pergunta?", tutor: true });
  });
});

describe("tutor answers", () => {
  const q = (id: string, text: string, tutor?: boolean): ChatMessage => ({
    id,
    role: "user",
    parts: [{ type: "text", text }],
    metadata: tutor === undefined ? undefined : { tutor },
  });
  const a = (id: string, text: string, tutor?: boolean): ChatMessage => ({
    id,
    role: "assistant",
    parts: [{ type: "text", text }],
    metadata: tutor === undefined ? {} : { tutor },
  });

  it("knows an answer's mode from its question, or from the answer itself", () => {
    const messages = [q("1", "A?", true), a("2", "Dica"), q("3", "A?"), a("4", "Resposta"), q("5", "B?"), a("6", "Dica", true)];
    expect([1, 3, 5].map((i) => isTutorAnswer(messages, i))).toEqual([true, false, true]);
    expect(isTutorAnswer(messages, 0)).toBe(false);
    expect(revealableQuestion(messages)).toBe("B?");
    expect(revealableQuestion(messages.slice(0, 4))).toBeNull();
    expect(revealableQuestion(messages.slice(0, 2))).toBe("A?");
    expect(revealableQuestion([q("1", "A?", true), a("2", "")])).toBeNull(); // nothing said yet
    expect(revealableQuestion([])).toBeNull();
  });

  it("puts tutor: true in the body only for a tutor question", () => {
    const context = { collectionId: "c", conversationId: "conv" };
    expect(buildAskBody([q("1", "A?", true)], context)).toEqual({
      question: "A?",
      collection_id: "c",
      conversation_id: "conv",
      tutor: true,
    });
    expect(buildAskBody([q("1", "A?", false)], context)).not.toHaveProperty("tutor");
    expect(buildAskBody([q("1", "A?")], context)).not.toHaveProperty("tutor");
  });
});
