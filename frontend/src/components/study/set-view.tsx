"use client";
import { ArrowLeftIcon, BookOpenIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { PanelLoading } from "@/components/sources/panel-loading";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import type { Citation } from "@/lib/api/schemas";
import type { StudySet } from "@/lib/api/study";
import { isStudyErrorCode } from "@/lib/study/errors";
import { isBuilding, percent } from "@/lib/study/polling";
import { useStudySet } from "@/lib/study/use-study-set";
import { FlashcardsView } from "./flashcards-view";
import { GuideView } from "./guide-view";
import { QuizView } from "./quiz-view";
import { StatusBadge } from "./status-badge";
import { StudyError } from "./study-error";

type Props = {
  setId: string;
  /** The set as creating it answered: shown at once, then followed. */
  initial?: StudySet | null;
  onBack: () => void;
  onCite: (citation: Citation) => void;
  /** The set belongs to a collection: the picker follows it (a set opened from the URL). */
  onCollection?: (collectionId: string) => void;
};

/** One study set: its job's progress while it is built, then the quiz, cards or guide. */
export function SetView({ setId, initial, onBack, onCite, onCollection }: Props) {
  const t = useTranslations("study.set");
  const kinds = useTranslations("study.kinds");
  const { set, error, retry } = useStudySet(setId, initial);
  const collectionId = set?.collection_id;
  useEffect(() => {
    if (collectionId) onCollection?.(collectionId);
  }, [collectionId, onCollection]);

  const building = set !== null && isBuilding(set);
  const status = !set
    ? ""
    : set.status === "queued"
      ? t("queued")
      : set.status === "running"
        ? t("running", { percent: percent(set.progress) })
        : set.status === "ready"
          ? t("ready")
          : t("failed");

  return (
    <section
      aria-labelledby="study-set-title"
      data-testid="study-set-view"
      data-status={set?.status ?? "loading"}
      data-kind={set?.kind}
      className="flex flex-col gap-4"
    >
      <Button variant="ghost" size="sm" className="self-start" onClick={onBack} data-testid="study-back">
        <ArrowLeftIcon aria-hidden />
        {t("back")}
      </Button>
      {/* Status changes are announced: queued, the percentage as it builds, ready or failed. */}
      <p aria-live="polite" className="sr-only" data-testid="study-live">
        {status}
      </p>
      {!set && !error && <PanelLoading label={t("loading")} />}
      {error !== null && <StudyError error={error} onRetry={retry} />}
      {set && (
        <>
          <header className="flex flex-col gap-2">
            <h1 id="study-set-title" className="text-lg font-semibold break-words">
              {set.title || kinds(set.kind)}
            </h1>
            <div className="flex flex-wrap items-center gap-2">
              <Badge variant="outline">{kinds(set.kind)}</Badge>
              <StatusBadge status={set.status} />
              {set.mode === "extractive" && (
                <Badge variant="secondary" data-testid="study-mode" className="h-auto whitespace-normal text-left">
                  <BookOpenIcon aria-hidden className="size-3 shrink-0" />
                  {t("extractive")}
                </Badge>
              )}
            </div>
          </header>
          {building && (
            <div className="flex flex-col gap-2" data-testid="study-progress">
              <Progress value={percent(set.progress)} aria-label={t("progressLabel")} />
              <p className="text-sm text-muted-foreground" aria-hidden>
                {status}
              </p>
            </div>
          )}
          {set.status === "failed" && (
            <Alert tone="error" data-testid="study-failed" data-code={set.error_code ?? undefined}>
              <div>
                <p className="font-medium">{t("failed")}</p>
                {isStudyErrorCode(set.error_code) && <FailedReason code={set.error_code} />}
              </div>
            </Alert>
          )}
          {set.status === "ready" && <Content set={set} onCite={onCite} />}
        </>
      )}
    </section>
  );
}

function FailedReason({ code }: { code: string }) {
  const t = useTranslations("study.errors");
  return <p className="mt-1">{code === "invalid_input" ? t(code, { message: "" }) : t(code)}</p>;
}

function Content({ set, onCite }: { set: StudySet; onCite: (c: Citation) => void }) {
  const t = useTranslations("study.set");
  const items = [...set.items].sort((a, b) => a.position - b.position);
  if (set.kind === "flashcards") return <FlashcardsView setId={set.id} onCite={onCite} />;
  if (items.length === 0) return <p className="text-sm text-muted-foreground">{t("empty")}</p>;
  if (set.kind === "quiz") return <QuizView setId={set.id} items={items} onCite={onCite} />;
  return <GuideView items={items} onCite={onCite} />;
}
