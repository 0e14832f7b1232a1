import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/errors";
import { studyApi } from "@/lib/api/study";
import { dueCards, isDue, nextDue, reviewOrder } from "@/lib/study/cards";
import { studyErrorCode } from "@/lib/study/errors";
import { isBuilding, percent, studyPollDelay } from "@/lib/study/polling";
import { attemptAnswers, clozeParts, resultsById, scorePercent, unanswered } from "@/lib/study/quiz";
import { vi } from "vitest";
import { apiError, attempt, card, json, quizItems, routeFetch, sentBodies, studySet } from "./fixtures";

afterEach(() => vi.unstubAllGlobals());

describe("quiz helpers", () => {
  it("splits a cloze sentence around its blank", () => {
    expect(clozeParts("A _____ genética é forte.")).toEqual({ before: "A ", after: " genética é forte." });
    expect(clozeParts("Sem lacuna.")).toBeNull();
  });

  it("sends every question in order, unanswered ones empty and answers trimmed", () => {
    expect(attemptAnswers(quizItems, { q3: "  variação ", q1: "Darwin" })).toEqual([
      { item_id: "q1", answer: "Darwin" },
      { item_id: "q2", answer: "" },
      { item_id: "q3", answer: "variação" },
    ]);
    expect(unanswered(quizItems, { q1: "Darwin", q3: "   " })).toBe(2);
  });

  it("indexes results by question and rounds the score", () => {
    expect(resultsById(attempt).get("q2")?.correct).toBe(false);
    expect(resultsById(null).size).toBe(0);
    expect(scorePercent(attempt)).toBe(67);
    expect(scorePercent({ score: 1.2 })).toBe(100);
  });
});

describe("flashcard order", () => {
  const now = new Date("2026-12-03T12:00:00Z");
  const cards = [
    card({ id: "later", due: "2026-12-05T12:00:00Z" }),
    card({ id: "new-a", due: null }),
    card({ id: "overdue", due: "2026-12-01T12:00:00Z" }),
    card({ id: "soon", due: "2026-12-03T13:00:00" }), // naive: UTC
    card({ id: "new-b", due: null }),
    card({ id: "just-due", due: "2026-12-03T11:59:00Z" }),
  ];

  it("puts due cards first (longest overdue first, then new ones), then the rest by due time", () => {
    expect(reviewOrder(cards, now).map((c) => c.id)).toEqual([
      "overdue",
      "just-due",
      "new-a",
      "new-b",
      "soon",
      "later",
    ]);
    expect(dueCards(cards, now).map((c) => c.id)).toEqual(["overdue", "just-due", "new-a", "new-b"]);
  });

  it("knows what is due and when the next one comes", () => {
    expect(isDue(card({ due: null }), now)).toBe(true);
    expect(isDue(card({ due: "2026-12-03T12:30:00Z" }), now)).toBe(false);
    expect(nextDue(cards, now)?.toISOString()).toBe("2026-12-03T13:00:00.000Z");
    expect(nextDue([card({ due: null })], now)).toBeNull();
  });
});

describe("polling and errors", () => {
  it("polls while queued or running, every second, longer after failures", () => {
    expect(isBuilding({ status: "queued" })).toBe(true);
    expect(isBuilding({ status: "running" })).toBe(true);
    expect(isBuilding({ status: "ready" })).toBe(false);
    expect(isBuilding({ status: "failed" })).toBe(false);
    expect(studyPollDelay(0)).toBe(1000);
    expect(studyPollDelay(2)).toBe(4000);
    expect(studyPollDelay(10)).toBe(15_000);
    expect(percent(0.456)).toBe(46);
    expect(percent(Number.NaN)).toBe(0);
    expect(percent(3)).toBe(100);
  });

  it("names the study API's own refusals, and leaves the rest to the general messages", () => {
    expect(studyErrorCode(new ApiError("invalid", "x", 409, "document_not_ready"))).toBe("document_not_ready");
    expect(studyErrorCode(new ApiError("invalid", "x", 422, "empty_range"))).toBe("empty_range");
    expect(studyErrorCode(new ApiError("invalid", "x", 409, "conflict"))).toBe("not_ready");
    expect(studyErrorCode(new ApiError("not_found", "x", 404, "not_found"))).toBeNull();
    expect(studyErrorCode(new ApiError("rate_limited", "x", 429, "rate_limited"))).toBeNull();
  });
});

describe("studyApi", () => {
  it("creates a set with the chosen scope and reads the queued set back", async () => {
    const fetch = routeFetch({ "POST /api/study/sets": () => json(202, studySet({ status: "queued", progress: 0, items: [] })) });
    const created = await studyApi.create({ kind: "quiz", collection_id: "col-bio", document_id: "doc-bio", page_from: 2, page_to: 3, count: 5 });
    expect(created.status).toBe("queued");
    expect(sentBodies(fetch, "POST /api/study/sets")).toEqual([
      { kind: "quiz", collection_id: "col-bio", document_id: "doc-bio", page_from: 2, page_to: 3, count: 5 },
    ]);
  });

  it("lists a collection's sets by kind, submits answers and reviews cards", async () => {
    const fetch = routeFetch({
      "GET /api/study/sets": (_init, url) => {
        expect(url.searchParams.get("collection_id")).toBe("col bio");
        expect(url.searchParams.get("kind")).toBe("flashcards");
        return json(200, { items: [studySet()] });
      },
      "POST /api/study/sets/set-1/attempts": () => json(201, attempt),
      "POST /api/study/cards/c1/review": () => json(200, card({ due: "2026-12-04T10:00:00Z", reviews: 1, last_rating: "good" })),
    });
    expect(await studyApi.list("col bio", "flashcards")).toHaveLength(1);
    expect((await studyApi.submitAttempt("set-1", [{ item_id: "q1", answer: "Darwin" }])).correct).toBe(2);
    expect((await studyApi.review("c1", "good")).last_rating).toBe("good");
    expect(sentBodies(fetch, "POST /api/study/sets/set-1/attempts")).toEqual([{ answers: [{ item_id: "q1", answer: "Darwin" }] }]);
    expect(sentBodies(fetch, "POST /api/study/cards/c1/review")).toEqual([{ rating: "good" }]);
  });

  it("turns the backend's error body into an ApiError with its code and request id", async () => {
    routeFetch({ "POST /api/study/sets": () => apiError(422, "empty_range", "Pages 9-12 are outside", "req-7") });
    const error = await studyApi.create({ kind: "guide", collection_id: "c" }).catch((e) => e);
    expect(error).toMatchObject({ kind: "invalid", status: 422, code: "empty_range", requestId: "req-7" });
  });

  it("refuses a payload that is not a study set", async () => {
    routeFetch({ "GET /api/study/sets/x": () => json(200, { id: "x" }) });
    await expect(studyApi.set("x")).rejects.toMatchObject({ kind: "unknown" });
  });
});
