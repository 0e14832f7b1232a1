"use client";
import { useTranslations } from "next-intl";
import { ErrorMessage } from "@/components/errors/error-message";
import { toApiError } from "@/lib/api/errors";
import { studyErrorCode } from "@/lib/study/errors";

/**
 * A failed study request, in plain words with its request id: the study API's own refusals
 * (a document not ready, an empty page range…) in the study's words, anything else as the
 * app's general error message.
 */
export function StudyError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useTranslations("study.errors");
  const code = studyErrorCode(error);
  if (!code) return <ErrorMessage error={error} onRetry={onRetry} />;
  const message = code === "invalid_input" ? t(code, { message: toApiError(error).message }) : t(code);
  return <ErrorMessage error={error} onRetry={onRetry} message={message} code={code} />;
}
