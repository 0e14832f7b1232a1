/**
 * The chat engine: the AI SDK's Chat (its UI message stream reader and the zod schemas that check
 * it) on POST /api/ask. It is the largest part of the chat's JavaScript and is not needed to show
 * the page, so the page loads it in a chunk of its own (use-ask-chat.ts) when a student is about
 * to ask or reopens a conversation.
 */
import { Chat } from "@ai-sdk/react";
import type { ChatOnFinishCallback, ChatStatus } from "ai";
import { createAskTransport, type AskContext } from "./transport";
import { dataPartSchemas, messageMetadataSchema, type ChatMessage } from "./types";

export type ChatSnapshot = {
  messages: ChatMessage[];
  status: ChatStatus;
  error: Error | undefined;
};

/** A Chat with what React's useSyncExternalStore wants: one snapshot object per change. */
export type ChatStore = {
  chat: Chat<ChatMessage>;
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => ChatSnapshot;
  /** Replace the conversation shown (empty, or a stored one reopened). */
  setMessages: (messages: ChatMessage[]) => void;
};

export type ChatStoreOptions = {
  /** Read when a question is sent: the collection and conversation may change between turns. */
  context: () => AskContext;
  onFinish: ChatOnFinishCallback<ChatMessage>;
  /** Streamed text is shown at most once per this many milliseconds. */
  throttleMs?: number;
};

export function createChatStore({ context, onFinish, throttleMs }: ChatStoreOptions): ChatStore {
  const chat = new Chat<ChatMessage>({
    transport: createAskTransport(context),
    messageMetadataSchema,
    dataPartSchemas,
    onFinish,
  });
  let snapshot: ChatSnapshot = { messages: chat.messages, status: chat.status, error: chat.error };
  const listeners = new Set<() => void>();
  const update = (next: Partial<ChatSnapshot>) => {
    snapshot = { ...snapshot, ...next };
    for (const listener of listeners) listener();
  };
  // The callbacks @ai-sdk/react's own useChat subscribes with. Messages are throttled; a status
  // change also takes the latest messages, so the last throttled tokens are never lost.
  chat["~registerMessagesCallback"](() => update({ messages: chat.messages }), throttleMs);
  chat["~registerStatusCallback"](() => update({ status: chat.status, messages: chat.messages }));
  chat["~registerErrorCallback"](() => update({ error: chat.error }));
  return {
    chat,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    setMessages: (messages) => {
      chat.messages = messages;
    },
  };
}
