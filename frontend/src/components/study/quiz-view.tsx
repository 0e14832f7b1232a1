"use client";
import { CheckCircle2Icon, Loader2Icon, RotateCcwIcon, XCircleIcon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import { SourceList } from "@/components/chat/source-list";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import type { Citation } from "@/lib/api/schemas";
import { studyApi, type Attempt, type AttemptResult, type StudyItem } from "@/lib/api/study";
import { parseTimestamp } from "@/lib/chat/history";
import { useResource } from "@/lib/documents/use-resource";
import { attemptAnswers, clozeParts, resultsById, scorePercent, unanswered, type QuizAnswers } from "@/lib/study/quiz";
import { cn } from "@/lib/utils";
import { StudyError } from "./study-error";

type Props = { setId: string; items: StudyItem[]; onCite: (citation: Citation) => void };

/**
 * The whole quiz on one page: radio choices for multiple choice and fill-in-the-blank, a text
 * field for short answers. Checking it shows the score and, for every question, whether it was
 * right, the right answer, why, and the passage it comes from; it can be taken again.
 */
export function QuizView({ setId, items, onCite }: Props) {
  const t = useTranslations("study.quiz");
  const [answers, setAnswers] = useState<QuizAnswers>({});
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const history = useResource(setId, () => studyApi.attempts(setId));
  const resultRef = useRef<HTMLHeadingElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const results = resultsById(attempt);
  const missing = unanswered(items, answers);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (pending || attempt) return;
    setPending(true);
    setError(null);
    try {
      const done = await studyApi.submitAttempt(setId, attemptAnswers(items, answers));
      setAttempt(done);
      history.reload();
      // The score is what the student wants next: take focus there (it is also announced).
      requestAnimationFrame(() => resultRef.current?.focus());
    } catch (failure) {
      setError(failure);
    } finally {
      setPending(false);
    }
  }

  function retake() {
    setAnswers({});
    setAttempt(null);
    setError(null);
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("input")?.focus());
  }

  return (
    <div className="flex flex-col gap-6">
      <div aria-live="polite" data-testid="quiz-live" className="sr-only">
        {attempt ? t("score", { correct: attempt.correct, total: attempt.total, percent: scorePercent(attempt) }) : ""}
      </div>
      {attempt && (
        <section
          aria-labelledby="quiz-result-title"
          data-testid="quiz-result"
          className="rounded-xl border border-primary/40 bg-accent/60 p-4"
        >
          <h2 id="quiz-result-title" ref={resultRef} tabIndex={-1} className="font-semibold outline-none">
            {t("resultTitle")}
          </h2>
          <p className="mt-1 text-lg" data-testid="quiz-score">
            {t("score", { correct: attempt.correct, total: attempt.total, percent: scorePercent(attempt) })}
          </p>
          <Button variant="outline" size="sm" className="mt-3" onClick={retake} data-testid="quiz-retake">
            <RotateCcwIcon aria-hidden />
            {t("retake")}
          </Button>
        </section>
      )}

      <form ref={formRef} onSubmit={submit} className="flex flex-col gap-4" aria-label={t("label")}>
        <ol className="flex flex-col gap-4">
          {items.map((item, index) => (
            <li key={item.id}>
              <Question
                item={item}
                n={index + 1}
                total={items.length}
                value={answers[item.id] ?? ""}
                onChange={(value) => setAnswers((a) => ({ ...a, [item.id]: value }))}
                result={results.get(item.id) ?? null}
                onCite={onCite}
              />
            </li>
          ))}
        </ol>
        {error !== null && <StudyError error={error} />}
        {!attempt && (
          <div className="flex flex-col gap-2">
            {missing > 0 && (
              <p className="text-sm text-muted-foreground" data-testid="quiz-unanswered">
                {t("unanswered", { count: missing })}
              </p>
            )}
            <Button type="submit" className="self-start" disabled={pending} data-testid="quiz-submit">
              {pending && <Loader2Icon aria-hidden className="animate-spin" />}
              {pending ? t("submitting") : t("submit")}
            </Button>
          </div>
        )}
      </form>

      <AttemptHistory attempts={history.data} error={history.error} onRetry={history.reload} />
    </div>
  );
}

function Question({
  item,
  n,
  total,
  value,
  onChange,
  result,
  onCite,
}: {
  item: StudyItem;
  n: number;
  total: number;
  value: string;
  onChange: (value: string) => void;
  result: AttemptResult | null;
  onCite: (citation: Citation) => void;
}) {
  const t = useTranslations("study.quiz");
  const id = useId();
  const done = result !== null;
  const kind = item.kind === "mcq" || item.kind === "cloze" || item.kind === "short" ? item.kind : "short";
  const withChoices = kind !== "short" && item.choices.length > 0;
  const cloze = kind === "cloze" ? clozeParts(item.prompt) : null;
  const prompt = cloze ? (
    <>
      {cloze.before}
      <span aria-hidden className="font-mono">
        _____
      </span>
      <span className="sr-only">({t("blank")})</span>
      {cloze.after}
    </>
  ) : (
    item.prompt
  );
  const citations = result?.citations.length ? result.citations : item.citations;

  return (
    <fieldset
      data-testid="quiz-question"
      data-kind={kind}
      data-result={result ? (result.correct ? "correct" : "incorrect") : undefined}
      className={cn(
        "rounded-xl border p-4",
        result && (result.correct ? "border-primary/60" : "border-destructive/60"),
      )}
      aria-describedby={result ? `${id}-feedback` : undefined}
    >
      <legend className="sr-only">{t("question", { n, total })}</legend>
      <p className="mb-1 flex flex-wrap items-center gap-2 text-xs text-muted-foreground" aria-hidden>
        <span>{t("question", { n, total })}</span>
        <span>·</span>
        <span>{t(`kinds.${kind}`)}</span>
      </p>
      <p id={`${id}-prompt`} className="mb-3 font-medium break-words">
        {prompt}
      </p>
      {withChoices ? (
        <div role="radiogroup" aria-labelledby={`${id}-prompt`} className="flex flex-col gap-1.5">
          {item.choices.map((choice, index) => {
            const checked = value === choice;
            const right = done && result.answer === choice;
            return (
              <label
                key={index}
                data-testid="quiz-choice"
                className={cn(
                  "flex cursor-pointer items-start gap-2 rounded-md border px-3 py-2 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring",
                  !done && "hover:bg-muted",
                  checked && !done && "border-primary bg-accent",
                  right && "border-primary bg-accent font-medium",
                  done && checked && !result.correct && "border-destructive bg-destructive/10",
                  done && "cursor-default",
                )}
              >
                <input
                  type="radio"
                  name={`${id}-choice`}
                  value={choice}
                  checked={checked}
                  disabled={done}
                  onChange={() => onChange(choice)}
                  className="mt-0.5 accent-primary"
                />
                <span className="min-w-0 break-words">{choice}</span>
              </label>
            );
          })}
        </div>
      ) : (
        <div className="flex flex-col gap-1">
          <label htmlFor={`${id}-answer`} className="text-xs text-muted-foreground">
            {t("answerLabel")}
          </label>
          <Input
            id={`${id}-answer`}
            data-testid="quiz-short-answer"
            value={value}
            disabled={done}
            maxLength={2000}
            autoComplete="off"
            aria-describedby={`${id}-prompt`}
            onChange={(e) => onChange(e.target.value)}
          />
        </div>
      )}
      {result && (
        <div id={`${id}-feedback`} data-testid="quiz-feedback" className="mt-3 flex flex-col gap-1.5 text-sm">
          <p className="flex items-center gap-1.5 font-semibold">
            {result.correct ? (
              <Badge variant="default" data-testid="quiz-correct">
                <CheckCircle2Icon aria-hidden className="size-3.5" />
                {t("correct")}
              </Badge>
            ) : (
              <Badge variant="destructive" data-testid="quiz-incorrect">
                <XCircleIcon aria-hidden className="size-3.5" />
                {t("incorrect")}
              </Badge>
            )}
          </p>
          {!withChoices && (
            <p className="break-words">{result.given ? t("yourAnswer", { answer: result.given }) : t("noAnswer")}</p>
          )}
          {withChoices && !result.given && <p>{t("noAnswer")}</p>}
          {!result.correct && (
            <p className="break-words font-medium" data-testid="quiz-right-answer">
              {t("rightAnswer", { answer: result.answer })}
            </p>
          )}
          {result.explanation && (
            <p className="break-words text-muted-foreground">
              {t("explanation", { explanation: result.explanation })}
            </p>
          )}
        </div>
      )}
      {done && <SourceList citations={citations} onSelect={onCite} />}
    </fieldset>
  );
}

function AttemptHistory({
  attempts,
  error,
  onRetry,
}: {
  attempts: Attempt[] | undefined;
  error: unknown;
  onRetry: () => void;
}) {
  const t = useTranslations("study.quiz");
  const format = useFormatter();
  const id = useId();
  if (error) return <StudyError error={error} onRetry={onRetry} />;
  if (!attempts) return null;
  return (
    <section aria-labelledby={id} data-testid="quiz-history">
      <h2 id={id} className="mb-2 text-sm font-semibold">
        {t("history")}
      </h2>
      {attempts.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("noHistory")}</p>
      ) : (
        <ul className="flex flex-col gap-1 text-sm">
          {attempts.map((a) => (
            <li key={a.id} data-testid="quiz-history-item">
              {t("historyItem", {
                percent: scorePercent(a),
                correct: a.correct,
                total: a.total,
                date: format.dateTime(parseTimestamp(a.created_at), { dateStyle: "short", timeStyle: "short" }),
              })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
