"use client";
import { useChat } from "@ai-sdk/react";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useEffectEvent, useMemo, useRef, useState } from "react";
import { api } from "@/lib/api/client";
import { storedToUIMessages } from "@/lib/chat/answer";
import { chatError } from "@/lib/chat/chat-error";
import { createAskTransport } from "@/lib/chat/transport";
import { dataPartSchemas, messageMetadataSchema, type ChatMessage } from "@/lib/chat/types";
import { getUserId } from "@/lib/user-id";

const CONVERSATION_PARAM = "c";
const conversationUrl = (id: string) => `/?${CONVERSATION_PARAM}=${encodeURIComponent(id)}`;

type Options = {
  collectionId: string | null;
  /** A reopened conversation belongs to a collection: the picker follows it. */
  onCollection: (collectionId: string) => void;
  /** An answer ended (finished, stopped or failed): the history may have changed. */
  onAnswerEnded: () => void;
};

type Opening = { id: string; error: unknown };

/**
 * The chat's state: useChat on POST /api/ask, the current conversation (kept in `?c=<id>` so a
 * reload reopens it), reopening stored conversations and starting new ones.
 */
export function useAskChat({ collectionId, onCollection, onAnswerEnded }: Options) {
  const router = useRouter();
  const urlId = useSearchParams().get(CONVERSATION_PARAM);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [opening, setOpening] = useState<Opening | null>(null);
  const [answered, setAnswered] = useState(false);
  // The conversation on screen, to tell our own URL changes from a navigation.
  const shown = useRef<string | null>(null);
  // Every reset starts a new session; an answer that ends after one belongs to the old screen.
  const session = useRef(0);
  const askedIn = useRef(0);

  const transport = useMemo(
    () => createAskTransport(() => ({ collectionId, conversationId, userId: getUserId() })),
    [collectionId, conversationId],
  );

  const chat = useChat<ChatMessage>({
    transport,
    messageMetadataSchema,
    dataPartSchemas,
    experimental_throttle: 50,
    onFinish: ({ message, isError, isAbort }) => {
      // An answer cut off by "new conversation" or by opening another one is not ours anymore.
      if (askedIn.current !== session.current) {
        onAnswerEnded(); // it was still stored: the history may show it
        return;
      }
      const id = message.metadata?.conversation_id;
      if (id) {
        shown.current = id;
        setConversationId(id);
        if (id !== urlId) router.replace(conversationUrl(id), { scroll: false });
      }
      setAnswered(!isError && !isAbort);
      onAnswerEnded();
    },
  });
  const { messages, status, error, stop, setMessages, clearError } = chat;

  /**
   * Stop any answer on its way, then show `id`'s (still empty) conversation or a new one.
   * Resolves to false when another reset came in meanwhile.
   */
  function reset(id: string | null): Promise<boolean> {
    shown.current = id;
    session.current += 1;
    return stop().then(() => {
      if (shown.current !== id) return false;
      setMessages([]);
      clearError();
      setConversationId(null); // until the conversation has loaded
      setAnswered(false);
      setOpening(id ? { id, error: null } : null);
      return true;
    });
  }

  function load(id: string): void {
    reset(id)
      .then((current) => (current ? api.conversation(id) : null))
      .then(
        (conversation) => {
          if (!conversation || shown.current !== id) return;
          setMessages(storedToUIMessages(conversation));
          setConversationId(id);
          onCollection(conversation.collection_id);
          setOpening(null);
        },
        (error) => {
          if (shown.current === id) setOpening({ id, error });
        },
      );
  }

  /** Show a stored conversation and put it in the URL. */
  function openConversation(id: string) {
    if (id === shown.current && !opening?.error) return;
    load(id);
    router.replace(conversationUrl(id), { scroll: false });
  }

  /** An empty chat, out of the URL. */
  function newConversation() {
    void reset(null);
    if (urlId) router.replace("/", { scroll: false });
  }

  // The URL changed without us (first load, reload, the header's "Chat" link): follow it.
  const followUrl = useEffectEvent((id: string | null) => {
    if (id === shown.current) return;
    if (id) load(id);
    else void reset(null);
  });
  useEffect(() => followUrl(urlId), [urlId]);

  const busy = status === "submitted" || status === "streaming";
  const loading = opening !== null && opening.error === null;
  const shownError = error ? chatError(error, messages) : null;

  return {
    messages,
    status,
    busy,
    /** A stored conversation is on its way: don't ask yet. */
    loading,
    error: shownError,
    opening,
    answered,
    conversationId,
    send: (text: string) => {
      askedIn.current = session.current;
      setOpening(null); // a failed reopening gives way to a new conversation
      return chat.sendMessage({ text });
    },
    regenerate: () => {
      askedIn.current = session.current;
      return chat.regenerate();
    },
    stop: () => void stop(),
    retryOpen: () => {
      if (opening) load(opening.id);
    },
    openConversation,
    newConversation,
  };
}
