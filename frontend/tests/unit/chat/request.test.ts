import { describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/errors";
import { ASK_URL, buildAskBody, createAskTransport, fetchWithApiErrors } from "@/lib/chat/transport";
import type { ChatMessage } from "@/lib/chat/types";
import { answerParts, sseResponse } from "./sse";

const user = (id: string, text: string): ChatMessage => ({ id, role: "user", parts: [{ type: "text", text }] });
const assistant = (id: string, conversationId: string): ChatMessage => ({
  id,
  role: "assistant",
  parts: [{ type: "text", text: "Resposta [1]" }],
  metadata: { conversation_id: conversationId, message_id: id },
});

describe("the /api/ask request", () => {
  it("sends the backend's JSON body and asks for an event stream", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => sseResponse(answerParts()));
    const transport = createAskTransport(
      () => ({ collectionId: "col-1", conversationId: "conv-9" }),
      { fetch },
    );
    await transport.sendMessages({
      trigger: "submit-message",
      chatId: "chat",
      messageId: undefined,
      messages: [user("u1", "Primeira?"), assistant("a1", "conv-9"), user("u2", "  E a segunda?  ")],
      abortSignal: undefined,
    });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(ASK_URL);
    expect(init?.method).toBe("POST");
    const headers = new Headers(init?.headers);
    expect(headers.get("accept")).toBe("text/event-stream");
    expect(headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(init?.body))).toEqual({
      question: "E a segunda?",
      collection_id: "col-1",
      conversation_id: "conv-9",
    });
    // The browser sends the backend's id cookie itself (same origin): no credentials option
    // that would widen it, no user id in the body.
    expect(init?.credentials ?? "same-origin").toBe("same-origin");
  });

  it("leaves conversation_id out of a new conversation", () => {
    const body = buildAskBody([user("u1", "Oi?")], { collectionId: "c", conversationId: null });
    expect(body).toEqual({ question: "Oi?", collection_id: "c" });
    expect("conversation_id" in body).toBe(false);
  });

  it("refuses to send without a collection or a question", () => {
    expect(() => buildAskBody([user("u1", "Oi?")], { collectionId: null, conversationId: null })).toThrow(ApiError);
    expect(() => buildAskBody([user("u1", "   ")], { collectionId: "c", conversationId: null })).toThrow(ApiError);
  });
});

describe("fetchWithApiErrors", () => {
  it("turns a 429 into a rate_limited ApiError with Retry-After", async () => {
    const fetch = fetchWithApiErrors(async () =>
      Response.json(
        { error: { code: "rate_limited", message: "Slow down", request_id: "req-1" } },
        { status: 429, headers: { "retry-after": "12" } },
      ),
    );
    const error = await fetch(ASK_URL).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: "rate_limited", status: 429, retryAfter: 12, requestId: "req-1" });
  });

  it("turns a 503 into backend_down and a thrown TypeError into offline", async () => {
    const down = await fetchWithApiErrors(async () => new Response("<html>", { status: 503 }))(ASK_URL).catch(
      (e) => e,
    );
    expect(down).toMatchObject({ kind: "backend_down", status: 503 });
    const offline = await fetchWithApiErrors(async () => {
      throw new TypeError("Failed to fetch");
    })(ASK_URL).catch((e) => e);
    expect(offline).toMatchObject({ kind: "offline" });
  });

  it("reads a bare 500 (the proxy could not reach the backend) as backend_down", async () => {
    const proxy = await fetchWithApiErrors(async () => new Response("Internal Server Error", { status: 500 }))(
      ASK_URL,
    ).catch((e) => e);
    expect(proxy).toMatchObject({ kind: "backend_down", status: 500 });
    const backend = await fetchWithApiErrors(async () =>
      Response.json({ error: { code: "internal_error", message: "Oops", request_id: "r" } }, { status: 500 }),
    )(ASK_URL).catch((e) => e);
    expect(backend).toMatchObject({ kind: "unknown", code: "internal_error" });
  });

  it("lets an abort through untouched", async () => {
    const abort = new DOMException("The operation was aborted.", "AbortError");
    const error = await fetchWithApiErrors(async () => {
      throw abort;
    })(ASK_URL).catch((e) => e);
    expect(error).toBe(abort);
  });
});
