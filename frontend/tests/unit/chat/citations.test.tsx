import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AnswerMarkdown } from "@/components/chat/answer-markdown";
import { AssistantMessage } from "@/components/chat/assistant-message";
import { splitCitationMarkers } from "@/lib/chat/citation-markers";
import type { ChatMessage } from "@/lib/chat/types";
import { renderWithIntl } from "../intl";
import { citations } from "./sse";

describe("splitCitationMarkers", () => {
  const known = new Set([1, 2]);

  it("splits [n], [n, m] and [n][m] into citations", () => {
    expect(splitCitationMarkers("A [1], B [1, 2] e C [2][1].", known)).toEqual([
      { type: "text", value: "A " },
      { type: "citation", id: 1 },
      { type: "text", value: ", B " },
      { type: "citation", id: 1 },
      { type: "citation", id: 2 },
      { type: "text", value: " e C " },
      { type: "citation", id: 2 },
      { type: "citation", id: 1 },
      { type: "text", value: "." },
    ]);
  });

  it("leaves unknown numbers as text", () => {
    expect(splitCitationMarkers("Nada [9] aqui", known)).toEqual([{ type: "text", value: "Nada [9] aqui" }]);
    expect(splitCitationMarkers("Misto [1, 9]", known)).toEqual([
      { type: "text", value: "Misto " },
      { type: "citation", id: 1 },
      { type: "text", value: "[9]" },
    ]);
  });
});

describe("citation chips in an answer", () => {
  it("renders chips only for known numbers, with a descriptive label, and opens the right citation", async () => {
    const onCite = vi.fn();
    renderWithIntl(
      <AnswerMarkdown
        text={"A seleção natural [1] e os tentilhões [2][7]. Veja `[1]` e [1, 3]."}
        citations={citations}
        onCite={onCite}
      />,
    );
    const chips = screen.getAllByTestId("citation-chip");
    expect(chips.map((c) => c.textContent)).toEqual(["1", "2", "1"]);
    expect(chips[0]).toHaveAccessibleName("Fonte 1: bio.pdf, página 2");
    expect(chips[1]).toHaveAccessibleName("Fonte 2: notas.md");
    expect(document.body.textContent).toContain("[7]");
    expect(document.body.textContent).toContain("[3]");
    // Inside code, a marker is code.
    expect(document.querySelector("code")?.textContent).toBe("[1]");

    await userEvent.click(chips[1]);
    expect(onCite).toHaveBeenLastCalledWith(citations[1]);
    await userEvent.click(chips[2]);
    expect(onCite).toHaveBeenLastCalledWith(citations[0]);
  });

  it("shows no chips before the citations have arrived", () => {
    renderWithIntl(<AnswerMarkdown text="Ainda chegando [1]" citations={[]} onCite={() => {}} />);
    expect(screen.queryByTestId("citation-chip")).toBeNull();
    expect(screen.getByText("Ainda chegando [1]")).toBeInTheDocument();
  });

  it("lists the sources under the answer, each clickable", async () => {
    const onCite = vi.fn();
    const message: ChatMessage = {
      id: "a1",
      role: "assistant",
      parts: [
        { type: "text", text: "Resposta [1] e [2]." },
        { type: "data-citations", data: citations },
      ],
      metadata: { conversation_id: "c", message_id: "a1", mode: "extractive" },
    };
    renderWithIntl(<AssistantMessage message={message} streaming={false} onCite={onCite} />);
    const article = screen.getByTestId("assistant-message");
    expect(article).toHaveAttribute("data-state", "done");
    expect(within(article).getByTestId("mode-badge")).toHaveTextContent(
      "Trechos do material — sem modelo de linguagem configurado",
    );
    const items = screen.getAllByTestId("source-item");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("bio.pdf");
    expect(items[0]).toHaveTextContent("p. 2");
    expect(items[1]).not.toHaveTextContent("p.");
    await userEvent.click(items[1]);
    expect(onCite).toHaveBeenCalledWith(citations[1]);
  });

  it("labels a fallback model and an incomplete answer", () => {
    const message: ChatMessage = {
      id: "a2",
      role: "assistant",
      parts: [{ type: "text", text: "Parcial" }],
      metadata: { mode: "generated", model: "llama-3.1-8b", fallback: true, incomplete: true },
    };
    renderWithIntl(<AssistantMessage message={message} streaming={false} onCite={() => {}} />);
    const badges = screen.getAllByTestId("mode-badge");
    expect(badges.map((b) => b.dataset.kind)).toEqual(["fallback", "incomplete"]);
    expect(badges[0]).toHaveTextContent("Resposta de modelo reserva: llama-3.1-8b");
  });
});
