import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FlashcardsView } from "@/components/study/flashcards-view";
import { apiError, card, json, routeFetch, sentBodies } from "./fixtures";
import { renderStudy } from "./render";

const NOW = new Date("2026-12-03T12:00:00Z");
const inHours = (h: number) => new Date(NOW.getTime() + h * 3_600_000).toISOString();

beforeEach(() => {
  // Only Date: the timers stay real (testing-library waits on them).
  vi.useFakeTimers({ toFake: ["Date"], now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const cards = [
  card({ id: "c-later", term: "Especiação", due: inHours(48), reviews: 2, last_rating: "good" }),
  card({ id: "c-new", term: "Deriva genética", due: null }),
  card({ id: "c-overdue", term: "Seleção natural", definition: "Sobrevivência diferencial.", due: inHours(-5), reviews: 1, last_rating: "hard" }),
];

function renderCards(onCite = vi.fn()) {
  renderStudy(<FlashcardsView setId="set-c" onCite={onCite} />);
  return { user: userEvent.setup(), onCite };
}

describe("FlashcardsView", () => {
  it("reviews the due cards first: flip, rate, and the next due date is said", async () => {
    const fetch = routeFetch({
      "GET /api/study/sets/set-c/cards": () => json(200, { items: cards, due_now: 2 }),
      "POST /api/study/cards/c-overdue/review": () =>
        json(200, { ...cards[2], due: inHours(72), reviews: 2, last_rating: "good" }),
      "POST /api/study/cards/c-new/review": () => json(200, { ...cards[1], due: inHours(0.1), reviews: 1, last_rating: "again" }),
    });
    const { user, onCite } = renderCards();
    expect(await screen.findByTestId("cards-due")).toHaveTextContent("2 cartões para revisar agora");
    const flashcard = screen.getByTestId("flashcard");
    expect(flashcard).toHaveTextContent("Cartão 1 de 2");
    expect(screen.getByTestId("flashcard-term")).toHaveTextContent("Seleção natural"); // overdue first
    expect(screen.getByTestId("flashcard-definition")).not.toBeVisible();
    expect(screen.queryByTestId("rate-good")).toBeNull();

    const flip = screen.getByTestId("flashcard-flip");
    expect(flip).toHaveAttribute("aria-expanded", "false");
    await user.click(flip);
    expect(flip).toHaveAttribute("aria-expanded", "true");
    expect(flip).toHaveTextContent("Mostrar o termo");
    expect(screen.getByTestId("flashcard-definition")).toBeVisible();
    expect(screen.getByTestId("flashcard-definition")).toHaveTextContent("Sobrevivência diferencial.");
    // The definition's source opens the viewer.
    await user.click(within(flashcard).getByTestId("source-item"));
    expect(onCite).toHaveBeenCalledWith(cards[2].citations[0]);

    const group = screen.getByRole("group", { name: "Quão bem você lembrou?" });
    expect(within(group).getAllByRole("button").map((b) => b.textContent)).toEqual(["De novo", "Difícil", "Bom", "Fácil"]);
    await user.click(screen.getByTestId("rate-good"));
    expect(sentBodies(fetch, "POST /api/study/cards/c-overdue/review")).toEqual([{ rating: "good" }]);
    expect(await screen.findByTestId("cards-announce")).toHaveTextContent(
      "Próxima revisão de “Seleção natural”: em 3 dias.",
    );
    // The next card, on its term side, focus back on the flip button.
    expect(screen.getByTestId("flashcard-term")).toHaveTextContent("Deriva genética");
    expect(screen.getByTestId("flashcard")).toHaveTextContent("Cartão 2 de 2");
    await waitFor(() => expect(screen.getByTestId("flashcard-flip")).toHaveFocus());
    expect(screen.getByTestId("cards-due")).toHaveTextContent("1 cartão para revisar agora");

    // Keyboard only: Enter flips, Tab reaches the ratings.
    await user.keyboard("{Enter}");
    await user.click(screen.getByTestId("rate-again"));
    expect(sentBodies(fetch, "POST /api/study/cards/c-new/review")).toEqual([{ rating: "again" }]);
    expect(await screen.findByTestId("cards-none-due")).toHaveTextContent("Nenhum cartão para revisar agora.");
    expect(screen.getByTestId("cards-none-due")).toHaveTextContent("O próximo vence em 6 minutos.");
  });

  it("lists every card with when it is due, and says so when none is due", async () => {
    routeFetch({
      "GET /api/study/sets/set-c/cards": () =>
        json(200, { items: [cards[0], { ...cards[1], due: inHours(3), reviews: 1 }], due_now: 0 }),
    });
    const { user } = renderCards();
    const none = await screen.findByTestId("cards-none-due");
    expect(none).toHaveTextContent("O próximo vence em 3 horas.");
    const rows = screen.getAllByTestId("card-row");
    expect(rows.map((r) => within(r).getByTestId("card-due").textContent)).toEqual([
      "Revisar em 3 horas",
      "Revisar em 2 dias",
    ]);
    // Practising ahead goes through every card anyway.
    await user.click(within(none).getByTestId("cards-practice"));
    expect(screen.getByTestId("flashcard")).toHaveTextContent("Cartão 1 de 2");
    expect(screen.getByTestId("flashcard-term")).toHaveTextContent("Deriva genética");
  });

  it("marks new cards and shows a failed review with the request id", async () => {
    routeFetch({
      "GET /api/study/sets/set-c/cards": () => json(200, { items: [cards[1]], due_now: 1 }),
      "POST /api/study/cards/c-new/review": () => apiError(429, "rate_limited", "slow", "req-5"),
    });
    const { user } = renderCards();
    expect(await screen.findByTestId("card-due")).toHaveTextContent("Novo");
    await user.click(screen.getByTestId("flashcard-flip"));
    await user.click(screen.getByTestId("rate-easy"));
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("Muitas perguntas em pouco tempo.");
    expect(error).toHaveTextContent("req-5");
    expect(screen.getByTestId("flashcard-term")).toHaveTextContent("Deriva genética"); // still this card
  });

  it("says in English too", async () => {
    routeFetch({ "GET /api/study/sets/set-c/cards": () => json(200, { items: [], due_now: 0 }) });
    renderStudy(<FlashcardsView setId="set-c" onCite={vi.fn()} />, { locale: "en" });
    expect(await screen.findByTestId("cards-none-due")).toHaveTextContent("No cards due right now.");
    expect(screen.getByTestId("cards-due")).toHaveTextContent("0 cards due now");
  });
});
