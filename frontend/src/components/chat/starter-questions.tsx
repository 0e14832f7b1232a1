"use client";
import { SparklesIcon } from "lucide-react";
import { useTranslations } from "next-intl";

const STARTERS = ["summary", "review", "explain", "quiz"] as const;

/** An empty conversation offers a few questions that work on any course material. */
export function StarterQuestions({
  onPick,
  disabled,
}: {
  onPick: (question: string) => void;
  disabled: boolean;
}) {
  const t = useTranslations("chat.empty");
  return (
    <div className="mx-auto flex w-full max-w-2xl flex-col items-center gap-4 py-8 text-center">
      <div>
        <h2 className="text-xl font-semibold">{t("title")}</h2>
        <p className="mt-1 text-sm text-muted-foreground">{t("subtitle")}</p>
      </div>
      <ul className="grid w-full gap-2 sm:grid-cols-2" aria-label={t("startersLabel")}>
        {STARTERS.map((key) => (
          <li key={key}>
            <button
              type="button"
              data-testid="starter-question"
              disabled={disabled}
              onClick={() => onPick(t(`starters.${key}`))}
              className="flex h-full w-full items-start gap-2 rounded-xl border bg-background p-3 text-left text-sm hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:pointer-events-none disabled:opacity-50"
            >
              <SparklesIcon aria-hidden className="mt-0.5 size-4 shrink-0 text-primary" />
              {t(`starters.${key}`)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
