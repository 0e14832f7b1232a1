"use client";
import { useCallback, useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { Collection } from "@/lib/api/schemas";

type State = { collections: Collection[] | null; error: unknown; attempt: number };

/** The collections to ask about, loaded once (and again on `reload`). */
export function useCollections() {
  const [state, setState] = useState<State>({ collections: null, error: null, attempt: 0 });
  const { attempt } = state;

  useEffect(() => {
    let live = true;
    api.collections().then(
      (collections) => {
        if (live) setState((s) => ({ ...s, collections, error: null }));
      },
      (error) => {
        if (live) setState((s) => ({ ...s, error }));
      },
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  const reload = useCallback(
    () => setState((s) => ({ collections: s.collections, error: null, attempt: s.attempt + 1 })),
    [],
  );

  return {
    collections: state.collections,
    error: state.error,
    loading: state.collections === null && !state.error,
    reload,
  };
}
