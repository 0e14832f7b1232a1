"use client";
import { useCallback, useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { ConversationSummary } from "@/lib/api/schemas";

type State = {
  /** Which request the items answer (query + refresh + retry); another key means loading. */
  key: string | null;
  /** The search the items answer. */
  q: string | null;
  items: ConversationSummary[];
  nextCursor: string | null;
  error: unknown;
  loadingMore: boolean;
};

const INITIAL: State = { key: null, q: null, items: [], nextCursor: null, error: null, loadingMore: false };

/**
 * This browser's conversations, filtered by `q` on the server. Items stay on screen while a
 * refresh (`refreshKey` changes) is on its way.
 */
export function useConversations(q: string, refreshKey: number) {
  const [state, setState] = useState<State>(INITIAL);
  const [attempt, setAttempt] = useState(0);
  const key = `${q}\u0000${refreshKey}\u0000${attempt}`;

  useEffect(() => {
    let live = true;
    api.conversations({ q: q || undefined }).then(
      (page) => {
        if (live) {
          setState({ key, q, items: page.items, nextCursor: page.next_cursor, error: null, loadingMore: false });
        }
      },
      (error) => {
        if (live) setState((s) => ({ ...s, key, q, error, items: s.q === q ? s.items : [] }));
      },
    );
    return () => {
      live = false;
    };
  }, [key, q]);

  const loadMore = useCallback(async () => {
    const cursor = state.nextCursor;
    if (!cursor || state.loadingMore) return;
    setState((s) => ({ ...s, loadingMore: true }));
    try {
      const page = await api.conversations({ q: q || undefined, cursor });
      setState((s) => ({
        ...s,
        items: [...s.items, ...page.items.filter((i) => !s.items.some((o) => o.id === i.id))],
        nextCursor: page.next_cursor,
        loadingMore: false,
      }));
    } catch (error) {
      setState((s) => ({ ...s, error, loadingMore: false }));
    }
  }, [q, state.nextCursor, state.loadingMore]);

  const remove = useCallback(
    (id: string) => setState((s) => ({ ...s, items: s.items.filter((i) => i.id !== id) })),
    [],
  );

  return {
    items: state.items,
    /** True until the first answer for this search arrives (a refresh keeps the old items). */
    loading: state.key !== key && state.q !== q,
    refreshing: state.key !== key,
    error: state.key === key ? state.error : null,
    hasMore: state.nextCursor !== null,
    loadingMore: state.loadingMore,
    loadMore,
    remove,
    retry: () => setAttempt((n) => n + 1),
  };
}
