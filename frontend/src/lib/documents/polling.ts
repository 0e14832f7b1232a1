/**
 * Following the documents being processed: which ones to ask about, how to fold the answers
 * into the list shown, and how long to wait before asking again.
 */
import type { DocumentInfo } from "@/lib/api/schemas";

export const POLL = {
  /** After a change (or at the start): soon, a page of a PDF takes about that. */
  firstMs: 1000,
  /** Nothing moved: wait 1.5 times longer each time, up to maxMs (a file queued behind others). */
  growth: 1.5,
  maxMs: 5000,
  /** A failed request: double the wait, up to errorMaxMs. */
  errorMaxMs: 30_000,
  /** While the tab is hidden; it asks at once when the tab shows again. */
  hiddenMs: 30_000,
  /** Failed requests in a row before the page says so (it keeps trying). */
  failuresShown: 3,
} as const;

export function isProcessing(document: Pick<DocumentInfo, "status">): boolean {
  return document.status === "queued" || document.status === "running";
}

/** The ids of the documents still queued or running, in the list's order. */
export function inFlightIds(documents: readonly DocumentInfo[]): string[] {
  return documents.filter(isProcessing).map((d) => d.id);
}

function same(a: DocumentInfo, b: DocumentInfo): boolean {
  return (
    a.status === b.status &&
    a.progress === b.progress &&
    a.pages === b.pages &&
    a.chunks === b.chunks &&
    a.error === b.error &&
    a.error_code === b.error_code
  );
}

/**
 * `documents` with the answer about `asked` folded in: each asked document replaced by its new
 * state, or removed when the answer no longer has it (deleted meanwhile). Every other row is
 * the same object as before, and when nothing changed the very same list comes back.
 */
export function mergeUpdates(
  documents: DocumentInfo[],
  asked: readonly string[],
  updates: readonly DocumentInfo[],
): DocumentInfo[] {
  const askedIds = new Set(asked);
  const byId = new Map(updates.map((d) => [d.id, d]));
  let changed = false;
  const merged: DocumentInfo[] = [];
  for (const document of documents) {
    if (!askedIds.has(document.id)) {
      merged.push(document);
      continue;
    }
    const update = byId.get(document.id);
    if (!update) {
      changed = true;
      continue;
    }
    if (same(document, update)) {
      merged.push(document);
    } else {
      merged.push(update);
      changed = true;
    }
  }
  return changed ? merged : documents;
}

export type PollOutcome = "changed" | "unchanged" | "failed";

/** How long to wait before the next request, after one that took `previousMs` to come. */
export function nextDelay(previousMs: number, outcome: PollOutcome): number {
  if (outcome === "changed") return POLL.firstMs;
  if (outcome === "unchanged") return Math.min(Math.round(previousMs * POLL.growth), POLL.maxMs);
  return Math.min(Math.max(previousMs, POLL.firstMs) * 2, POLL.errorMaxMs);
}
