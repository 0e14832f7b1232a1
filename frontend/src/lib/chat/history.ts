/** Conversation history grouped by how long ago it was active, in the browser's local time. */
import type { ConversationSummary } from "@/lib/api/schemas";

export const HISTORY_GROUPS = ["today", "yesterday", "last7", "last30", "older"] as const;
export type HistoryGroup = (typeof HISTORY_GROUPS)[number];

const ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/** A backend timestamp as a Date; one without a zone (a naive SQLite datetime) is UTC. */
export function parseTimestamp(value: string): Date {
  return new Date(ZONE.test(value) ? value : `${value}Z`);
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Calendar days between the two dates' local days (0 = same day). */
function daysBetween(earlier: Date, later: Date): number {
  return Math.round((startOfDay(later) - startOfDay(earlier)) / 86_400_000);
}

export function historyGroupOf(updatedAt: string, now: Date): HistoryGroup {
  const days = daysBetween(parseTimestamp(updatedAt), now);
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  if (days < 7) return "last7";
  if (days < 30) return "last30";
  return "older";
}

/** Non-empty groups in display order; items keep their order (the API sends newest first). */
export function groupConversations<T extends Pick<ConversationSummary, "updated_at">>(
  items: readonly T[],
  now: Date,
): { group: HistoryGroup; items: T[] }[] {
  const byGroup = new Map<HistoryGroup, T[]>();
  for (const item of items) {
    const group = historyGroupOf(item.updated_at, now);
    byGroup.set(group, [...(byGroup.get(group) ?? []), item]);
  }
  return HISTORY_GROUPS.filter((g) => byGroup.has(g)).map((group) => ({
    group,
    items: byGroup.get(group)!,
  }));
}
