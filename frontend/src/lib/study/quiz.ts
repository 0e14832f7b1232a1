/** Pure helpers of a quiz: the blank of a cloze question, the answers sent, the feedback shown. */
import type { Attempt, AttemptAnswer, AttemptResult, StudyItem } from "@/lib/api/study";

/** The blank a cloze question's sentence holds ("_____", three underscores or more). */
const BLANK = /_{3,}/;

/** A cloze sentence split around its blank; null when the sentence has none. */
export function clozeParts(prompt: string): { before: string; after: string } | null {
  const match = BLANK.exec(prompt);
  if (!match) return null;
  return { before: prompt.slice(0, match.index), after: prompt.slice(match.index + match[0].length) };
}

export type QuizAnswers = Readonly<Record<string, string>>;

/** What the attempt sends: every question, in order, unanswered ones as "" (counted wrong). */
export function attemptAnswers(items: readonly StudyItem[], given: QuizAnswers): AttemptAnswer[] {
  return items.map((item) => ({ item_id: item.id, answer: (given[item.id] ?? "").trim() }));
}

/** How many questions still have no answer. */
export function unanswered(items: readonly StudyItem[], given: QuizAnswers): number {
  return items.filter((item) => !(given[item.id] ?? "").trim()).length;
}

/** The attempt's result for each question, by item id. */
export function resultsById(attempt: Attempt | null): Map<string, AttemptResult> {
  return new Map((attempt?.results ?? []).map((r) => [r.item_id, r]));
}

/** The score as a whole percentage. */
export function scorePercent(attempt: Pick<Attempt, "score">): number {
  return Math.round(Math.max(0, Math.min(1, attempt.score)) * 100);
}
