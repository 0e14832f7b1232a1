import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/errors";
import type { Conversation } from "@/lib/api/schemas";
import { answerView, conversationIdOf, storedToUIMessages } from "@/lib/chat/answer";
import { chatError } from "@/lib/chat/chat-error";
import { pickCollection } from "@/lib/chat/collection-preference";
import type { ChatMessage } from "@/lib/chat/types";
import { citations } from "./sse";

const conversation: Conversation = {
  id: "conv-1",
  collection_id: "col-1",
  user_id: "u_1",
  title: "Seleção",
  created_at: "2025-05-01T10:00:00",
  updated_at: "2025-05-01T10:01:00",
  messages: [
    { id: "u1", role: "user", content: "O que é?", mode: null, citations: [], provider: null, model: null, incomplete: false, created_at: "2025-05-01T10:00:00" },
    { id: "a1", role: "assistant", content: "É isto [1][2].", mode: "extractive", citations, provider: null, model: null, fallback: false, incomplete: true, created_at: "2025-05-01T10:00:01" },
  ],
};

describe("storedToUIMessages", () => {
  it("restores text, citations and metadata as a live stream would have built them", () => {
    const messages = storedToUIMessages(conversation);
    expect(messages.map((m) => [m.id, m.role])).toEqual([
      ["u1", "user"],
      ["a1", "assistant"],
    ]);
    const view = answerView(messages[1]);
    expect(view).toEqual({
      text: "É isto [1][2].",
      citations,
      messageId: "a1",
      metadata: expect.objectContaining({ conversation_id: "conv-1", mode: "extractive", incomplete: true }),
    });
    expect(conversationIdOf(messages)).toBe("conv-1");
  });
});

describe("chatError", () => {
  const partial: ChatMessage[] = [
    { id: "u", role: "user", parts: [{ type: "text", text: "?" }] },
    { id: "a", role: "assistant", parts: [{ type: "text", text: "Meia resp" }] },
  ];
  const none: ChatMessage[] = [partial[0]];

  it("keeps HTTP and offline errors as they are", () => {
    const limited = new ApiError("rate_limited", "x", 429, null, null, 3);
    expect(chatError(limited, partial)).toBe(limited);
    const offline = new ApiError("offline", "Failed to fetch");
    expect(chatError(offline, none)).toBe(offline);
  });

  it("calls a failure after some text an interrupted stream", () => {
    expect(chatError(new TypeError("network error"), partial).kind).toBe("stream_interrupted");
    expect(chatError(new Error("The answer failed"), partial).kind).toBe("stream_interrupted");
  });

  it("otherwise reads the error as usual", () => {
    expect(chatError(new TypeError("network error"), none).kind).toBe("offline");
    expect(chatError(new Error("boom"), none).kind).toBe("unknown");
  });
});

describe("pickCollection", () => {
  it("prefers the first candidate that still exists, else the first collection", () => {
    expect(pickCollection(["a", "b"], null, "b")).toBe("b");
    expect(pickCollection(["a", "b"], "gone", "also-gone")).toBe("a");
    expect(pickCollection([], "a")).toBeNull();
  });
});
