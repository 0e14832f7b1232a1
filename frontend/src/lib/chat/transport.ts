/**
 * How the chat talks to POST /api/ask: the backend wants its own JSON body (not the AI SDK's
 * default one) and answers in the UI message stream protocol, which DefaultChatTransport reads.
 */
import { DefaultChatTransport } from "ai";
import { ApiError, errorFromResponse, toApiError } from "@/lib/api/errors";
import { messageText } from "./answer";
import type { ChatMessage } from "./types";

export const ASK_URL = "/api/ask";

export type AskBody = {
  question: string;
  collection_id: string;
  conversation_id?: string;
  /** A hint and a guiding question instead of the answer; left out when off (the default). */
  tutor?: boolean;
};

export type AskContext = {
  collectionId: string | null;
  conversationId: string | null;
};

/**
 * The body for the question the chat is about to send: the text of the last user message, in
 * tutor mode if that message was asked in it (so a regenerated answer keeps its mode).
 */
export function buildAskBody(messages: ChatMessage[], context: AskContext): AskBody {
  const lastUser = messages.findLast((m) => m.role === "user");
  const question = lastUser ? messageText(lastUser).trim() : "";
  if (!question) throw new ApiError("invalid", "There is no question to send.");
  if (!context.collectionId) throw new ApiError("invalid", "Choose a collection first.");
  // No user id: the student is the backend's HttpOnly cookie, sent along by the browser.
  const body: AskBody = { question, collection_id: context.collectionId };
  if (context.conversationId) body.conversation_id = context.conversationId;
  if (lastUser?.metadata?.tutor === true) body.tutor = true;
  return body;
}

function isAbort(error: unknown): boolean {
  // Not `instanceof Error`: a DOMException is not one in every runtime.
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

/**
 * A fetch whose failures are ApiErrors: a refused response carries its kind (429 with its
 * Retry-After), and a request that never reached the server is "offline". Aborts pass through.
 */
export function fetchWithApiErrors(base?: typeof fetch): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await (base ?? globalThis.fetch)(input, init);
    } catch (error) {
      if (isAbort(error)) throw error;
      throw toApiError(error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  };
}

/** The transport useChat uses; `context` is read at send time, so it may change between turns. */
export function createAskTransport(
  context: () => AskContext,
  options: { fetch?: typeof fetch } = {},
): DefaultChatTransport<ChatMessage> {
  return new DefaultChatTransport<ChatMessage>({
    api: ASK_URL,
    fetch: fetchWithApiErrors(options.fetch),
    prepareSendMessagesRequest: ({ messages, headers }) => ({
      body: buildAskBody(messages, context()),
      headers: { ...normalize(headers), Accept: "text/event-stream" },
    }),
  });
}

function normalize(headers: HeadersInit | undefined): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}
