/** A fake backend for the analytics page: routes by path, every call recorded. */
import { vi } from "vitest";
import type { AnalyticsReport } from "@/lib/api/analytics";

export const TOKEN = "segredo";

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

export const apiError = (status: number, code: string, requestId = "req-123") =>
  json({ error: { code, message: `failed ${code}`, request_id: requestId } }, status);

export const COLLECTIONS = {
  items: [
    { id: "bio", name: "Biologia", description: "", documents: 2, created_at: "2026-11-01T10:00:00Z" },
    { id: "qui", name: "Química", description: "", documents: 1, created_at: "2026-10-01T10:00:00Z" },
  ],
};

export function weeks(counts: Array<[number, number, number]>) {
  const mondays = ["2026-11-16", "2026-11-23", "2026-11-30"];
  return counts.map(([questions, unanswered, thumbs_down], i) => ({
    week: `2026-W${47 + i}`,
    start: mondays[i],
    questions,
    unanswered,
    thumbs_down,
  }));
}

export const REPORT: AnalyticsReport = {
  collection_id: "bio",
  timezone: "UTC",
  since: "2026-11-16T00:00:00Z",
  low_score: 1,
  questions_total: 5,
  unanswered_total: 2,
  thumbs_down_total: 60,
  weeks: weeks([
    [0, 0, 0],
    [2, 1, 1],
    [3, 1, 1],
  ]),
  topics: [
    { phrase: "seleção natural", count: 3, example: "O que é seleção natural?", last_asked_at: "2026-12-03T10:00:00Z" },
    { phrase: "deriva genética", count: 1, example: "E a deriva genética?", last_asked_at: "2026-12-02T10:00:00Z" },
  ],
  unanswered: [
    { question: "Qual a massa de Júpiter?", asked_at: "2026-12-03T10:00:00Z", retrieval_score: null, reason: "not_in_material" },
    { question: "Selecao em bactérias", asked_at: "2026-11-25T10:00:00Z", retrieval_score: 0.05, reason: "low_score" },
  ],
  thumbs_down: [
    {
      question: "Qual a massa de Júpiter?",
      answer_excerpt: "O material não trata disso…",
      comment: "Não ajudou",
      asked_at: "2026-12-03T10:00:00Z",
      rated_at: "2026-12-03T10:05:00Z",
    },
    {
      question: "Quem foi Lamarck?",
      answer_excerpt: "Um naturalista francês.",
      comment: null,
      asked_at: "2026-11-24T10:00:00Z",
      rated_at: "2026-11-24T11:00:00Z",
    },
  ],
};

type Handler = (url: URL, init?: RequestInit) => Response | Promise<Response>;

/** Stub fetch: /api/admin/check accepts TOKEN, /api/collections lists COLLECTIONS, the rest from `routes`
 * (keyed by path; the first route whose key the path starts with answers). */
export function fakeBackend(routes: Record<string, Handler>) {
  const handler = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const auth = new Headers(init?.headers).get("Authorization");
    if (url.pathname === "/api/admin/check") {
      return auth === `Bearer ${TOKEN}` ? new Response(null, { status: 204 }) : apiError(401, "unauthorized");
    }
    for (const [path, route] of Object.entries(routes)) {
      if (url.pathname.startsWith(path)) return route(url, init);
    }
    if (url.pathname === "/api/collections") return json(COLLECTIONS);
    throw new Error(`unexpected fetch ${url}`);
  });
  vi.stubGlobal("fetch", handler);
  return handler;
}

/** The URLs fetched so far whose path starts with `prefix`. */
export function calls(handler: ReturnType<typeof fakeBackend>, prefix: string): URL[] {
  return handler.mock.calls
    .map(([input]) => new URL(String(input), "http://localhost"))
    .filter((url) => url.pathname.startsWith(prefix));
}
