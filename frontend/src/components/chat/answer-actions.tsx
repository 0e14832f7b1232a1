"use client";
import { CheckIcon, CopyIcon, RotateCcwIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Feedback } from "./feedback";
import { useCopy } from "./use-copy";

/** Copy, rate and (on the last answer) regenerate. */
export function AnswerActions({
  text,
  messageId,
  onRegenerate,
}: {
  text: string;
  messageId: string | null;
  onRegenerate?: () => void;
}) {
  const t = useTranslations("chat.actions");
  const { copy, copied, failed } = useCopy();
  const copyLabel = copied ? t("copied") : failed ? t("copyFailed") : t("copy");
  return (
    <div className="mt-2 flex flex-wrap items-center gap-0.5 text-muted-foreground">
      <Button
        variant="ghost"
        size="icon-sm"
        aria-label={copyLabel}
        title={copyLabel}
        data-testid="copy-answer"
        onClick={() => copy(text)}
      >
        {copied ? <CheckIcon aria-hidden className="text-primary" /> : <CopyIcon aria-hidden />}
      </Button>
      <span aria-live="polite" className="mr-1 text-xs">
        {copied ? t("copied") : failed ? t("copyFailed") : ""}
      </span>
      {onRegenerate && (
        <Button
          variant="ghost"
          size="icon-sm"
          aria-label={t("regenerate")}
          title={t("regenerate")}
          data-testid="regenerate"
          onClick={onRegenerate}
        >
          <RotateCcwIcon aria-hidden />
        </Button>
      )}
      {messageId && <Feedback key={messageId} messageId={messageId} />}
    </div>
  );
}
