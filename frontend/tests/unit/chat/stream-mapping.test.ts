import { readUIMessageStream } from "ai";
import { describe, expect, it, vi } from "vitest";
import { answerView, conversationIdOf } from "@/lib/chat/answer";
import { createAskTransport } from "@/lib/chat/transport";
import type { ChatMessage } from "@/lib/chat/types";
import { answerParts, citations, sseResponse } from "./sse";

const question: ChatMessage = {
  id: "u1",
  role: "user",
  parts: [{ type: "text", text: "O que é seleção natural?" }],
};

/** Send one question through the real transport and the AI SDK's stream reader. */
async function streamAnswer(parts: (object | string)[]) {
  const fetch = vi.fn(async () => sseResponse(parts));
  const transport = createAskTransport(
    () => ({ collectionId: "col-1", conversationId: null }),
    { fetch },
  );
  const stream = await transport.sendMessages({
    trigger: "submit-message",
    chatId: "chat-1",
    messageId: undefined,
    messages: [question],
    abortSignal: undefined,
  });
  const states: ChatMessage[] = [];
  const errors: unknown[] = [];
  for await (const message of readUIMessageStream<ChatMessage>({
    stream,
    onError: (e) => errors.push(e),
  })) {
    states.push(structuredClone(message));
  }
  return { states, final: states.at(-1)!, errors, fetch };
}

describe("answer stream → message view", () => {
  it("maps text, citations and finish metadata of a generated answer", async () => {
    const { final, states, errors } = await streamAnswer(answerParts());
    expect(errors).toEqual([]);
    expect(final.id).toBe("msg-a1");
    const view = answerView(final);
    expect(view.text).toBe("A seleção natural explica a adaptação [1]. Veja também [2][7].");
    expect(view.citations).toEqual(citations);
    expect(view.messageId).toBe("msg-a1");
    expect(view.metadata).toMatchObject({
      conversation_id: "conv-1",
      message_id: "msg-a1",
      mode: "generated",
      provider: "groq",
      model: "llama-3.3-70b",
      incomplete: false,
    });
    expect(view.metadata.fallback).toBeUndefined();
    expect(conversationIdOf([question, final])).toBe("conv-1");
    // The text grew delta by delta before the citations arrived.
    expect(states.some((s) => answerView(s).text === "A seleção natural ")).toBe(true);
    expect(answerView(states[1]).citations).toEqual([]);
  });

  it("keeps the start metadata and merges the finish's: extractive and fallback answers", async () => {
    const extractive = await streamAnswer(
      answerParts({ finish: { mode: "extractive", provider: null, model: null, incomplete: false } }),
    );
    expect(answerView(extractive.final).metadata).toMatchObject({
      conversation_id: "conv-1",
      mode: "extractive",
      provider: null,
    });

    const fallback = await streamAnswer(
      answerParts({ finish: { mode: "generated", provider: "openai", model: "gpt-4o-mini", fallback: true } }),
    );
    expect(answerView(fallback.final).metadata).toMatchObject({ fallback: true, model: "gpt-4o-mini" });
  });

  it("keeps the partial text when the backend ends with an error part", async () => {
    const parts = answerParts().filter(
      (p) => typeof p === "string" || !["finish"].includes((p as { type: string }).type),
    );
    parts.splice(parts.length - 1, 0, { type: "error", errorText: "The answer failed: upstream closed" });
    const { final, errors } = await streamAnswer(parts);
    expect(errors).toHaveLength(1);
    expect(answerView(final).text).toContain("A seleção natural");
    expect(answerView(final).metadata.mode).toBeUndefined();
  });

  it("ignores a malformed citations part instead of breaking the answer", () => {
    const message: ChatMessage = {
      id: "m",
      role: "assistant",
      parts: [
        { type: "text", text: "Oi [1]" },
        { type: "data-citations", data: [{ id: "x" }] as never },
      ],
    };
    expect(answerView(message).citations).toEqual([]);
  });
});
