"use client";
import { useCallback, useEffect, useEffectEvent, useState } from "react";

export type Resource<T> = {
  /** The last data loaded for this key (kept while reloading or after a failed reload). */
  data: T | undefined;
  error: unknown;
  /** True while a load for this key is in flight. */
  loading: boolean;
  reload: () => void;
};

type Result<T> = { key: string; version: number; data: T | undefined; error: unknown };

/**
 * Load data for `key` (null: nothing to load) and reload it on demand, keeping what was shown
 * until the new answer arrives so a refresh never flashes a spinner.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [version, setVersion] = useState(0);
  const [result, setResult] = useState<Result<T> | null>(null);
  const run = useEffectEvent(load);

  useEffect(() => {
    if (key === null) return;
    let live = true;
    run().then(
      (data) => live && setResult({ key, version, data, error: null }),
      (error: unknown) =>
        live &&
        setResult((previous) => ({
          key,
          version,
          data: previous?.key === key ? previous.data : undefined,
          error,
        })),
    );
    return () => {
      live = false;
    };
  }, [key, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const current = result?.key === key ? result : null;
  return {
    data: current?.data,
    error: current?.error ?? null,
    loading: key !== null && current?.version !== version,
    reload,
  };
}
