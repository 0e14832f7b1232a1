"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { DocumentInfo } from "@/lib/api/schemas";
import { inFlightIds, mergeUpdates, nextDelay, POLL } from "./polling";
import { useResource, type Resource } from "./use-resource";

export { isProcessing } from "./polling";

/** What polling added to one loaded list (kept only while that list is the one shown). */
type Followed = { base: DocumentInfo[]; items: DocumentInfo[]; error: unknown };

/**
 * A collection's documents: the whole list once (and on `reload`), then only the documents
 * still queued or running are asked about — `GET …/documents?ids=…`, one request however many
 * there are — until none is left. The wait between requests starts at a second, grows while
 * nothing moves and after failures (see polling.ts), and is long while the tab is hidden. Rows
 * that are not processing are never fetched again nor drawn again.
 */
export function useDocuments(collectionId: string | null): Resource<DocumentInfo[]> {
  const resource = useResource(collectionId, () => api.documents(collectionId ?? ""));
  const base = resource.data;
  const [followed, setFollowed] = useState<Followed | null>(null);
  const current = followed && followed.base === base ? followed : null;
  const items = current?.items ?? base;
  const inFlight = items ? inFlightIds(items) : [];
  // The effect restarts when the set of documents in flight changes, not at every progress.
  const key = inFlight.join("\n");

  useEffect(() => {
    if (collectionId === null || base === undefined || key === "") return;
    const ids = key.split("\n");
    let live = true;
    let timer: number | undefined; // set while waiting, unset while a request is out
    let delay: number = POLL.firstMs;
    let failures = 0;
    let last: DocumentInfo[] | null = null;

    const schedule = () => {
      timer = window.setTimeout(tick, document.hidden ? Math.max(delay, POLL.hiddenMs) : delay);
    };
    const tick = () => {
      timer = undefined;
      api.documentsByIds(collectionId, ids).then(
        (updates) => {
          if (!live) return;
          failures = 0;
          const moved = last === null || mergeUpdates(last, ids, updates) !== last;
          last = updates;
          delay = nextDelay(delay, moved ? "changed" : "unchanged");
          setFollowed((previous) => {
            const shown = previous && previous.base === base ? previous.items : base;
            const merged = mergeUpdates(shown, ids, updates);
            if (previous?.base === base && merged === previous.items && previous.error === null) {
              return previous; // nothing to draw again
            }
            return { base, items: merged, error: null };
          });
          schedule();
        },
        (error: unknown) => {
          if (!live) return;
          failures += 1;
          delay = nextDelay(delay, "failed");
          if (failures >= POLL.failuresShown) {
            setFollowed((previous) => ({
              base,
              items: previous && previous.base === base ? previous.items : base,
              error,
            }));
          }
          schedule();
        },
      );
    };
    // Back on the tab after a long hidden wait: ask now.
    const onVisibility = () => {
      if (document.hidden || timer === undefined) return;
      window.clearTimeout(timer);
      tick();
    };
    document.addEventListener("visibilitychange", onVisibility);
    schedule();
    return () => {
      live = false;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [collectionId, base, key]);

  return {
    ...resource,
    data: items,
    error: resource.error ?? current?.error ?? null,
  };
}
