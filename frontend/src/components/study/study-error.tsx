"use client";
import { AlertTriangleIcon, RotateCwIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { ErrorMessage } from "@/components/errors/error-message";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { toApiError } from "@/lib/api/errors";
import { studyErrorCode } from "@/lib/study/errors";

/**
 * A failed study request, in plain words with its request id: the study API's own refusals
 * (a document not ready, an empty page range…) in the study's words, anything else as the
 * app's general error message.
 */
export function StudyError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useTranslations("study.errors");
  const common = useTranslations("common");
  const code = studyErrorCode(error);
  if (!code) return <ErrorMessage error={error} onRetry={onRetry} />;
  const e = toApiError(error);
  return (
    <Alert tone="error" data-testid="error-message" data-code={code} className="flex-wrap">
      <AlertTriangleIcon aria-hidden className="mt-0.5 size-4 shrink-0 text-destructive" />
      <div className="min-w-48 flex-1">
        <p>{code === "invalid_input" ? t(code, { message: e.message }) : t(code)}</p>
        {e.requestId && (
          <p className="mt-1 text-xs text-muted-foreground">
            {common("requestId", { id: e.requestId })}
          </p>
        )}
      </div>
      {onRetry && (
        <Button size="sm" variant="outline" className="ml-auto" onClick={onRetry}>
          <RotateCwIcon aria-hidden />
          {common("retry")}
        </Button>
      )}
    </Alert>
  );
}
