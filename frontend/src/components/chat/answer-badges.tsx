"use client";
import { AlertCircleIcon, BookOpenIcon, LifeBuoyIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import type { AnswerMetadata } from "@/lib/api/schemas";

/** How the answer was made, when it is not the usual generated one. */
export function AnswerBadges({ metadata }: { metadata: AnswerMetadata }) {
  const t = useTranslations("chat.badges");
  const extractive = metadata.mode === "extractive";
  const fallback = !extractive && metadata.fallback === true;
  if (!extractive && !fallback && !metadata.incomplete) return null;
  const wrap = "h-auto rounded-md py-1 whitespace-normal text-left";
  return (
    <div className="mb-2 flex flex-wrap gap-1.5">
      {extractive && (
        <Badge variant="secondary" data-testid="mode-badge" data-kind="extractive" className={wrap}>
          <BookOpenIcon aria-hidden className="size-3 shrink-0" />
          {t("extractive")}
        </Badge>
      )}
      {fallback && (
        <Badge variant="secondary" data-testid="mode-badge" data-kind="fallback" className={wrap}>
          <LifeBuoyIcon aria-hidden className="size-3 shrink-0" />
          {metadata.model ? t("fallback", { model: metadata.model }) : t("fallbackUnknown")}
        </Badge>
      )}
      {metadata.incomplete && (
        <Badge variant="outline" data-testid="mode-badge" data-kind="incomplete" className={wrap}>
          <AlertCircleIcon aria-hidden className="size-3 shrink-0" />
          {t("incomplete")}
        </Badge>
      )}
    </div>
  );
}
