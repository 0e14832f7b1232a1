/** Pure views of chat messages: what a bubble shows, and stored conversations as UI messages. */
import * as v from "valibot";
import {
  AnswerMetadata,
  Citations,
  type Citation,
  type Conversation,
  type StoredMessage,
} from "@/lib/api/schemas";
import type { ChatMessage } from "./types";

export type AnswerView = {
  /** The answer's markdown, with the `[n]` markers the citations number. */
  text: string;
  citations: Citation[];
  metadata: AnswerMetadata;
  /** The backend's id for the answer (for feedback), once the stream has said it. */
  messageId: string | null;
};

/** All text parts of a message, joined. */
export function messageText(message: Pick<ChatMessage, "parts">): string {
  return message.parts
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("");
}

/** The last valid `data-citations` part; anything malformed counts as no citations. */
export function messageCitations(message: Pick<ChatMessage, "parts">): Citation[] {
  for (let i = message.parts.length - 1; i >= 0; i--) {
    const part = message.parts[i];
    if (part.type === "data-citations") {
      const parsed = v.safeParse(Citations, part.data);
      return parsed.success ? parsed.output : [];
    }
  }
  return [];
}

export function answerView(message: ChatMessage): AnswerView {
  const parsed = v.safeParse(AnswerMetadata, message.metadata ?? {});
  const metadata = parsed.success ? parsed.output : {};
  return {
    text: messageText(message),
    citations: messageCitations(message),
    metadata,
    messageId: metadata.message_id ?? null,
  };
}

/** The conversation the messages belong to, as the latest message that knows it says. */
export function conversationIdOf(messages: ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const id = messages[i].metadata?.conversation_id;
    if (id) return id;
  }
  return null;
}

function storedToUIMessage(message: StoredMessage, conversationId: string): ChatMessage {
  const parts: ChatMessage["parts"] = [{ type: "text", text: message.content, state: "done" }];
  if (message.role === "user") {
    return { id: message.id, role: "user", parts, metadata: { conversation_id: conversationId } };
  }
  if (message.citations.length > 0) parts.push({ type: "data-citations", data: message.citations });
  return {
    id: message.id,
    role: "assistant",
    parts,
    metadata: {
      conversation_id: conversationId,
      message_id: message.id,
      mode: message.mode ?? undefined,
      provider: message.provider,
      model: message.model,
      fallback: message.fallback,
      incomplete: message.incomplete,
      // A tutor's hint, so a reopened conversation still offers the full answer.
      ...(message.tutor ? { tutor: true } : {}),
    },
  };
}

/** A reopened conversation's messages, shaped like the ones a live stream builds. */
export function storedToUIMessages(conversation: Pick<Conversation, "id" | "messages">): ChatMessage[] {
  return conversation.messages.map((m) => storedToUIMessage(m, conversation.id));
}
