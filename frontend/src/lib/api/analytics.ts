/**
 * The teacher analytics API (admin token): a collection's report per ISO week (UTC) and its
 * CSV export. The export needs the token in a Bearer header, so it is fetched and saved from a
 * Blob rather than followed as a link.
 */
import * as v from "valibot";
import { request } from "./client";
import { ApiError } from "./errors";

const int = v.pipe(v.number(), v.integer());

export const WeekCounts = v.object({
  week: v.string(),
  start: v.string(),
  questions: int,
  unanswered: int,
  thumbs_down: int,
});
export type WeekCounts = v.InferOutput<typeof WeekCounts>;

export const Topic = v.object({
  phrase: v.string(),
  count: int,
  example: v.string(),
  last_asked_at: v.string(),
});
export type Topic = v.InferOutput<typeof Topic>;

export const UnansweredReason = v.picklist(["not_in_material", "low_score"]);
export const Unanswered = v.object({
  question: v.string(),
  asked_at: v.string(),
  retrieval_score: v.nullable(v.number()),
  reason: UnansweredReason,
});
export type Unanswered = v.InferOutput<typeof Unanswered>;

export const ThumbsDown = v.object({
  question: v.string(),
  answer_excerpt: v.string(),
  comment: v.nullable(v.string()),
  asked_at: v.string(),
  rated_at: v.string(),
});
export type ThumbsDown = v.InferOutput<typeof ThumbsDown>;

export const AnalyticsReport = v.object({
  collection_id: v.string(),
  timezone: v.string(),
  since: v.string(),
  /** Null when the retriever's scores are ranks and no answer is judged by them. */
  low_score: v.nullable(v.number()),
  questions_total: int,
  unanswered_total: int,
  thumbs_down_total: int,
  weeks: v.array(WeekCounts),
  topics: v.array(Topic),
  unanswered: v.array(Unanswered),
  thumbs_down: v.array(ThumbsDown),
});
export type AnalyticsReport = v.InferOutput<typeof AnalyticsReport>;

/** The windows offered, in weeks (the backend takes 1 to 52). */
export const WEEK_CHOICES = [4, 8, 12, 26, 52] as const;
export const DEFAULT_WEEKS = 8;

/** "comma" for most spreadsheets; "semicolon" for Excel where "," is the decimal mark (pt-BR). */
export type CsvDelimiter = "comma" | "semicolon";

const base = (collectionId: string) => `/api/analytics/collections/${encodeURIComponent(collectionId)}`;

export async function fetchAnalytics(collectionId: string, weeks: number): Promise<AnalyticsReport> {
  const path = `${base(collectionId)}?weeks=${weeks}`;
  const response = await request(path, { admin: true });
  const parsed = v.safeParse(AnalyticsReport, await response.json());
  if (!parsed.success) throw new ApiError("unknown", `Unexpected answer from ${path}`, response.status);
  return parsed.output;
}

/** The file name the server proposes (Content-Disposition), or `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = header?.match(/filename="?([^";]+)"?/i);
  return match?.[1]?.trim() || fallback;
}

export async function fetchAnalyticsCsv(
  collectionId: string,
  weeks: number,
  delimiter: CsvDelimiter,
): Promise<{ blob: Blob; filename: string }> {
  const response = await request(`${base(collectionId)}/export.csv?weeks=${weeks}&delimiter=${delimiter}`, {
    admin: true,
  });
  const blob = await response.blob();
  const filename = attachmentName(response.headers.get("content-disposition"), "analytics.csv");
  return { blob, filename };
}

/** Hand a downloaded file to the browser as a save, then let go of its memory. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the URL after click() returns: revoke it on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
