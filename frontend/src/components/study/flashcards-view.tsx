"use client";
import { Loader2Icon, RefreshCwIcon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import { SourceList } from "@/components/chat/source-list";
import { PanelLoading } from "@/components/sources/panel-loading";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { Citation } from "@/lib/api/schemas";
import { RATINGS, studyApi, type CardList, type Rating } from "@/lib/api/study";
import { useResource } from "@/lib/documents/use-resource";
import { dueCards, dueDate, isDue, nextDue, reviewOrder } from "@/lib/study/cards";
import { StudyError } from "./study-error";

const RATING_STYLE: Record<Rating, "destructive" | "outline" | "default" | "secondary"> = {
  again: "destructive",
  hard: "outline",
  good: "default",
  easy: "secondary",
};

type Session = { ids: string[]; index: number };

/**
 * Flashcard review: the cards due now first, one at a time; the term, then (flipped) the
 * definition and its source, then again / hard / good / easy, which the backend's scheduler
 * (FSRS) turns into the card's next review. No card due: when the next one is.
 */
export function FlashcardsView({ setId, onCite }: { setId: string; onCite: (c: Citation) => void }) {
  const t = useTranslations("study.cards");
  const loaded = useResource(setId, () => studyApi.cards(setId));
  if (loaded.error && !loaded.data) return <StudyError error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <PanelLoading label={t("label")} />;
  return <Review initial={loaded.data} onCite={onCite} />;
}

function Review({ initial, onCite }: { initial: CardList; onCite: (c: Citation) => void }) {
  const t = useTranslations("study.cards");
  const format = useFormatter();
  const id = useId();
  // The cards as reviewed here (each review's answer replaces its card), and the time "due"
  // is measured against: when they arrived, then each review's.
  const [cards, setCards] = useState(initial.items);
  const [now, setNow] = useState(() => new Date());
  const [queue, setQueue] = useState<Session>(() => ({ ids: dueCards(initial.items, now).map((c) => c.id), index: 0 }));
  const card = cards.find((c) => c.id === queue.ids[queue.index]) ?? null;
  const [flipped, setFlipped] = useState(false);
  const [pending, setPending] = useState<Rating | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState("");
  const flipRef = useRef<HTMLButtonElement>(null);
  const dueNow = cards.filter((c) => isDue(c, now)).length;
  const when = (date: Date) => format.relativeTime(date, now);

  async function rate(rating: Rating) {
    if (!card || pending) return;
    setPending(rating);
    setError(null);
    try {
      const reviewed = await studyApi.review(card.id, rating);
      const at = new Date();
      setCards((all) => all.map((c) => (c.id === reviewed.id ? reviewed : c)));
      setNow(at);
      setQueue((q) => ({ ...q, index: q.index + 1 }));
      setFlipped(false);
      const due = dueDate(reviewed);
      setAnnounce(due ? t("reviewed", { term: reviewed.term, when: format.relativeTime(due, at) }) : "");
      requestAnimationFrame(() => flipRef.current?.focus());
    } catch (failure) {
      setError(failure);
    } finally {
      setPending(null);
    }
  }

  function practiceAll() {
    setQueue({ ids: reviewOrder(cards, now).map((c) => c.id), index: 0 });
    setFlipped(false);
    setAnnounce("");
    requestAnimationFrame(() => flipRef.current?.focus());
  }

  const next = nextDue(cards, now);

  return (
    <div className="flex flex-col gap-6">
      <p className="text-sm font-medium" data-testid="cards-due">
        {t("dueNow", { count: dueNow })}
      </p>
      <p aria-live="polite" className="text-sm text-muted-foreground" data-testid="cards-announce">
        {announce}
      </p>

      {card ? (
        <section
          aria-labelledby={`${id}-progress`}
          data-testid="flashcard"
          data-side={flipped ? "definition" : "term"}
          className="flex flex-col gap-4 rounded-xl border bg-card p-4 shadow-sm"
        >
          <h2 id={`${id}-progress`} className="text-xs font-medium text-muted-foreground">
            {t("progress", { n: queue.index + 1, total: queue.ids.length })}
          </h2>
          <div>
            <p className="text-xs font-medium uppercase tracking-wide text-muted-foreground">{t("term")}</p>
            <p className="mt-1 text-lg font-semibold break-words" data-testid="flashcard-term">
              {card.term}
            </p>
          </div>
          <div id={`${id}-definition`} hidden={!flipped}>
            <p className="text-xs font-medium uppercase tracking-wide text-muted-foreground">
              {t("definition")}
            </p>
            <p className="mt-1 break-words" data-testid="flashcard-definition">
              {card.definition}
            </p>
            <SourceList citations={card.citations} onSelect={onCite} />
          </div>
          <Button
            ref={flipRef}
            variant="outline"
            className="self-start"
            aria-expanded={flipped}
            aria-controls={`${id}-definition`}
            onClick={() => setFlipped((f) => !f)}
            data-testid="flashcard-flip"
          >
            <RefreshCwIcon aria-hidden />
            {flipped ? t("flipBack") : t("flip")}
          </Button>
          {flipped && (
            <div role="group" aria-labelledby={`${id}-rate`} className="flex flex-col gap-2">
              <p id={`${id}-rate`} className="text-sm font-medium">
                {t("rate")}
              </p>
              <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
                {RATINGS.map((rating) => (
                  <Button
                    key={rating}
                    variant={RATING_STYLE[rating]}
                    disabled={pending !== null}
                    onClick={() => void rate(rating)}
                    data-testid={`rate-${rating}`}
                  >
                    {pending === rating && <Loader2Icon aria-hidden className="animate-spin" />}
                    {t(`ratings.${rating}`)}
                  </Button>
                ))}
              </div>
            </div>
          )}
          {error !== null && <StudyError error={error} />}
        </section>
      ) : (
        <section data-testid="cards-none-due" className="rounded-xl border bg-muted/40 p-4 text-sm">
          <p className="font-medium">{t("noneDue")}</p>
          {next && <p className="mt-1 text-muted-foreground">{t("noneDueNext", { when: when(next) })}</p>}
          {cards.length > 0 && (
            <Button variant="outline" size="sm" className="mt-3" onClick={practiceAll} data-testid="cards-practice">
              {t("practice")}
            </Button>
          )}
        </section>
      )}

      <section aria-labelledby={`${id}-all`}>
        <h2 id={`${id}-all`} className="mb-2 text-sm font-semibold">
          {t("all")}
        </h2>
        <ul className="flex flex-col gap-1.5 text-sm" data-testid="cards-all">
          {reviewOrder(cards, now).map((c) => {
            const due = dueDate(c);
            return (
              <li key={c.id} data-testid="card-row" className="flex flex-wrap items-center gap-x-2 gap-y-1 rounded-md border px-3 py-2">
                <span className="min-w-0 flex-1 break-words font-medium">{c.term}</span>
                <Badge variant={due === null ? "secondary" : "outline"} data-testid="card-due">
                  {due === null ? t("new") : isDue(c, now) ? t("overdue") : t("due", { when: when(due) })}
                </Badge>
                {c.reviews > 0 && (
                  <span className="text-xs text-muted-foreground">{t("reviews", { count: c.reviews })}</span>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
