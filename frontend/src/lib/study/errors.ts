/**
 * The study API's own refusals (and a failed set's error code) as messages of the "study"
 * namespace; anything else is left to the app's general error messages (errors.json).
 */
import { toApiError } from "@/lib/api/errors";

export const STUDY_ERROR_CODES = [
  "document_not_ready",
  "empty_range",
  "no_text",
  "invalid_input",
  "not_ready",
  "internal_error",
] as const;
export type StudyErrorCode = (typeof STUDY_ERROR_CODES)[number];

export function isStudyErrorCode(code: unknown): code is StudyErrorCode {
  return typeof code === "string" && (STUDY_ERROR_CODES as readonly string[]).includes(code);
}

/** The study message for `error`, or null when the general error messages should say it. */
export function studyErrorCode(error: unknown): StudyErrorCode | null {
  const e = toApiError(error);
  if (isStudyErrorCode(e.code)) return e.code;
  // 409 on an attempt: the set is not ready (still building, or failed).
  if (e.status === 409) return "not_ready";
  return null;
}
