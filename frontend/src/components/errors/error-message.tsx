"use client";
import { AlertTriangleIcon, RotateCwIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { toApiError } from "@/lib/api/errors";

/**
 * A translated, plain-words error with an optional retry button and the request id. A feature
 * that knows its own refusals (the study API's) passes its words as `message` and its code as
 * `code`, so every error still looks and reads the same.
 */
export function ErrorMessage({
  error,
  onRetry,
  message,
  code,
}: {
  error: unknown;
  onRetry?: () => void;
  message?: string;
  code?: string;
}) {
  const t = useTranslations("errors");
  const common = useTranslations("common");
  const e = toApiError(error);
  const text =
    message ??
    (e.kind === "rate_limited" && e.retryAfter
      ? t("rate_limited_wait", { seconds: e.retryAfter })
      : e.kind === "invalid"
        ? t("invalid", { message: e.message })
        : t(e.kind));
  return (
    <Alert tone="error" data-testid="error-message" data-code={code} className="flex-wrap">
      <AlertTriangleIcon aria-hidden className="mt-0.5 size-4 shrink-0 text-destructive" />
      <div className="min-w-48 flex-1">
        <p>{text}</p>
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
