"use client";
import { useCallback, useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { ChunkContext } from "@/lib/api/schemas";

export type ChunkState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "error"; error: unknown }
  | { status: "ready"; chunk: ChunkContext };

type Result = { key: string } & ({ chunk: ChunkContext } | { error: unknown });

/** The cited chunk with its neighbours, fetched when `chunkId` is set; `retry` fetches again. */
export function useChunk(chunkId: string | null | undefined): [ChunkState, () => void] {
  const [attempt, setAttempt] = useState(0);
  const [result, setResult] = useState<Result | null>(null);
  const key = `${chunkId ?? ""}#${attempt}`;

  useEffect(() => {
    if (!chunkId) return;
    let live = true;
    api.chunk(chunkId).then(
      (chunk) => live && setResult({ key, chunk }),
      (error: unknown) => live && setResult({ key, error }),
    );
    return () => {
      live = false;
    };
  }, [chunkId, key]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  if (!chunkId) return [{ status: "idle" }, retry];
  if (result?.key !== key) return [{ status: "loading" }, retry];
  const state: ChunkState =
    "chunk" in result
      ? { status: "ready", chunk: result.chunk }
      : { status: "error", error: result.error };
  return [state, retry];
}
