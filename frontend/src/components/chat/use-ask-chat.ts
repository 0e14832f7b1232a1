"use client";
import type { ChatOnFinishCallback } from "ai";
import { useRouter, useSearchParams } from "next/navigation";
import {
  useCallback,
  useEffect,
  useEffectEvent,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { api } from "@/lib/api/client";
import { toApiError } from "@/lib/api/errors";
import { storedToUIMessages } from "@/lib/chat/answer";
import { chatError } from "@/lib/chat/chat-error";
import { revealableQuestion } from "@/lib/chat/tutor";
import type { ChatSnapshot, ChatStore } from "@/lib/chat/engine";
import type { AskContext } from "@/lib/chat/transport";
import type { ChatMessage } from "@/lib/chat/types";
import { lazyModule, preload } from "@/lib/lazy-module";

/** The AI SDK's Chat, in a chunk of its own: the first page shows without it. */
const chatEngine = lazyModule(() => import("@/lib/chat/engine"));

/** Start loading the chat engine: the student is about to ask (focus, typing, a pointer). */
export function preloadChatEngine(): void {
  preload(chatEngine);
}

const IDLE: ChatSnapshot = { messages: [], status: "ready", error: undefined };
const subscribeToNothing = () => () => {};
const idleSnapshot = () => IDLE;

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

/** A question as the chat sends it: a tutor question says so in its metadata (transport.ts). */
const question = ({ text, tutor }: { text: string; tutor: boolean }) =>
  tutor ? { text, metadata: { tutor: true } } : { text };

/**
 * The chat's state: the AI SDK's Chat on POST /api/ask (its chunk loaded on first use), the
 * current conversation (kept in `?c=<id>` so a reload reopens it), reopening stored
 * conversations and starting new ones.
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

  // What the chat reads when it sends and when an answer ends: always this render's values
  // (set before the engine, which arrives after the first render, can call them).
  const latest = useRef<{ context: () => AskContext; onFinish: ChatOnFinishCallback<ChatMessage> }>(
    null!,
  );
  useLayoutEffect(() => {
    latest.current = {
      context: () => ({ collectionId, conversationId }),
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
    };
  });

  // The engine arrives on first use; until then the chat is empty and idle.
  const [store, setStore] = useState<ChatStore | null>(null);
  const storeRef = useRef<Promise<ChatStore> | null>(null);
  const [engineError, setEngineError] = useState<unknown>(null);
  // Waiting for the engine to send a question; the last question, to ask again if it never went.
  const [starting, setStarting] = useState(false);
  const lastQuestion = useRef<{ text: string; tutor: boolean } | null>(null);
  const withChat = useCallback((): Promise<ChatStore> => {
    storeRef.current ??= chatEngine.load().then(
      (engine) => {
        const created = engine.createChatStore({
          context: () => latest.current.context(),
          onFinish: (event) => latest.current.onFinish(event),
          throttleMs: 50,
        });
        setStore(created);
        return created;
      },
      (error: unknown) => {
        storeRef.current = null; // the chunk did not arrive: ask again next time
        throw error;
      },
    );
    return storeRef.current;
  }, []);
  const { messages, status, error } = useSyncExternalStore(
    store?.subscribe ?? subscribeToNothing,
    store?.getSnapshot ?? idleSnapshot,
    idleSnapshot,
  );
  const stop = () => store?.chat.stop() ?? Promise.resolve();
  const setMessages = (next: ChatMessage[]) => store?.setMessages(next);
  const clearError = () => {
    store?.chat.clearError();
    setEngineError(null);
  };

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
      .then((current) => (current ? Promise.all([api.conversation(id), withChat()]) : null))
      .then(
        (loaded) => {
          if (!loaded || shown.current !== id) return;
          const [conversation, opened] = loaded;
          opened.setMessages(storedToUIMessages(conversation));
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

  const busy = starting || status === "submitted" || status === "streaming";
  const loading = opening !== null && opening.error === null;
  const shownError = error
    ? chatError(error, messages)
    : engineError !== null
      ? toApiError(engineError)
      : null;

  /** `run` on the chat once its engine is here; a failed download is the error shown. */
  function act(run: (chat: ChatStore["chat"]) => Promise<void>): Promise<void> {
    const asked = session.current;
    askedIn.current = asked;
    setEngineError(null);
    if (store) return run(store.chat);
    setStarting(true);
    return withChat().then(
      (opened) => {
        setStarting(false);
        // A new conversation was started while the engine was on its way: not for that one.
        if (session.current !== asked) return;
        return run(opened.chat);
      },
      (failure: unknown) => {
        setStarting(false);
        setEngineError(failure);
      },
    );
  }

  /** Ask `text`; in tutor mode the answer is a hint and a guiding question. */
  function send(text: string, { tutor = false }: { tutor?: boolean } = {}) {
    setOpening(null); // a failed reopening gives way to a new conversation
    lastQuestion.current = { text, tutor };
    return act((chat) => chat.sendMessage(question({ text, tutor })));
  }

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
    send,
    regenerate: () =>
      act((chat) =>
        // The engine had not arrived when the question was asked: ask it now.
        chat.messages.length === 0 && lastQuestion.current
          ? chat.sendMessage(question(lastQuestion.current))
          : chat.regenerate(),
      ),
    /** The last answer was a tutor's hint: the question it answered, to ask for the full answer. */
    revealable: busy ? null : revealableQuestion(messages),
    /** Ask the last tutor answer's question again, for the full answer, in the same conversation. */
    revealFullAnswer: () => {
      const text = revealableQuestion(messages);
      if (text && !busy) void send(text, { tutor: false });
    },
    stop: () => void stop(),
    retryOpen: () => {
      if (opening) load(opening.id);
    },
    openConversation,
    newConversation,
  };
}
