/** Flashcards in the order a review session takes them: the ones due now first. */
import type { Card } from "@/lib/api/study";
import { parseTimestamp } from "@/lib/chat/history";

/** When the card is next due; null for a card never reviewed (due at once). */
export function dueDate(card: Pick<Card, "due">): Date | null {
  return card.due === null ? null : parseTimestamp(card.due);
}

export function isDue(card: Pick<Card, "due">, now: Date): boolean {
  const due = dueDate(card);
  return due === null || due.getTime() <= now.getTime();
}

/**
 * Cards due now first (the longest overdue first, then new cards in the set's order), then the
 * others by the time they come due. The sort is stable: ties keep the set's order.
 */
export function reviewOrder<T extends Pick<Card, "due">>(cards: readonly T[], now: Date): T[] {
  const rank = (card: T): [number, number] => {
    const due = dueDate(card);
    if (due === null) return [1, 0];
    return due.getTime() <= now.getTime() ? [0, due.getTime()] : [2, due.getTime()];
  };
  return [...cards].sort((a, b) => {
    const [ga, ta] = rank(a);
    const [gb, tb] = rank(b);
    return ga - gb || ta - tb;
  });
}

/** The cards due now, in review order. */
export function dueCards<T extends Pick<Card, "due">>(cards: readonly T[], now: Date): T[] {
  return reviewOrder(cards, now).filter((card) => isDue(card, now));
}

/** The earliest time a card not due now comes due (for the "no cards due" state). */
export function nextDue(cards: readonly Pick<Card, "due">[], now: Date): Date | null {
  let next: Date | null = null;
  for (const card of cards) {
    const due = dueDate(card);
    if (due && due.getTime() > now.getTime() && (!next || due < next)) next = due;
  }
  return next;
}
