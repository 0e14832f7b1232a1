"use client";
import { useEffect } from "react";
import { api } from "@/lib/api/client";
import type { DocumentInfo } from "@/lib/api/schemas";
import { useResource, type Resource } from "./use-resource";

/** How often the list is asked again while a document is queued or being processed. */
export const POLL_MS = 1000;

export function isProcessing(document: Pick<DocumentInfo, "status">): boolean {
  return document.status === "queued" || document.status === "running";
}

/**
 * A collection's documents, asked again every POLL_MS while any of them is queued or running:
 * one request for the whole list, however many files are being processed.
 */
export function useDocuments(collectionId: string | null): Resource<DocumentInfo[]> {
  const resource = useResource(collectionId, () => api.documents(collectionId ?? ""));
  const { data, error, loading, reload } = resource;
  const polling = !loading && !error && (data ?? []).some(isProcessing);

  useEffect(() => {
    if (!polling) return;
    const timer = window.setTimeout(reload, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [polling, data, reload]);

  return resource;
}
