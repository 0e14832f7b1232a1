/** Following a study set while its job builds it: when it is still building, when to ask again. */
import type { StudySetSummary } from "@/lib/api/study";

export const STUDY_POLL = {
  /** A set is usually built in seconds: ask every second while it is. */
  everyMs: 1000,
  /** While the tab is hidden; it asks at once when the tab shows again. */
  hiddenMs: 15_000,
  /** A failed request: double the wait, up to errorMaxMs. */
  errorMaxMs: 15_000,
  /** Failed requests in a row before the page says so (it keeps trying). */
  failuresShown: 3,
} as const;

export function isBuilding(set: Pick<StudySetSummary, "status">): boolean {
  return set.status === "queued" || set.status === "running";
}

/** The wait before the next request: every second, longer after failures in a row. */
export function studyPollDelay(failures: number): number {
  if (failures <= 0) return STUDY_POLL.everyMs;
  return Math.min(STUDY_POLL.everyMs * 2 ** failures, STUDY_POLL.errorMaxMs);
}

/** Progress as a whole percentage, 0..100, whatever the backend sent. */
export function percent(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.round(Math.max(0, Math.min(1, progress)) * 100);
}
