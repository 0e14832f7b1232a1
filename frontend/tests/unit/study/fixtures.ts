/** Study payloads as the backend sends them (study_schemas.py), and a fetch that routes on them. */
import { vi } from "vitest";
import type { Citation } from "@/lib/api/schemas";
import type { Attempt, Card, StudyItem, StudySet } from "@/lib/api/study";

export const cite = (id: number, page: number | null = 2, quote = "A seleção natural favorece…"): Citation => ({
  id,
  document_id: "doc-bio",
  filename: "bio.pdf",
  page,
  quote,
  chunk_id: `ch-${id}`,
});

export const quizItems: StudyItem[] = [
  {
    id: "q1",
    position: 0,
    kind: "mcq",
    prompt: "Quem propôs a seleção natural?",
    answer: null,
    choices: ["Lamarck", "Darwin", "Mendel"],
    explanation: null,
    citations: [cite(1, 1, "Charles Darwin propôs a seleção natural em 1859.")],
  },
  {
    id: "q2",
    position: 1,
    kind: "cloze",
    prompt: "A _____ genética é mais forte em populações pequenas.",
    answer: null,
    choices: ["deriva", "seleção", "mutação"],
    explanation: null,
    citations: [cite(1, 3, "A deriva genética é a mudança aleatória")],
  },
  {
    id: "q3",
    position: 2,
    kind: "short",
    prompt: "Cite uma causa da seleção natural.",
    answer: null,
    choices: [],
    explanation: null,
    citations: [cite(1, 2)],
  },
];

export function studySet(overrides: Partial<StudySet> = {}): StudySet {
  return {
    id: "set-1",
    kind: "quiz",
    collection_id: "col-bio",
    document_id: null,
    page_from: null,
    page_to: null,
    title: "Quiz: Biologia",
    language: "pt",
    mode: "extractive",
    requested: 3,
    status: "ready",
    progress: 1,
    error: null,
    error_code: null,
    job_id: "job-1",
    items_count: 3,
    created_at: "2026-12-03T08:00:00",
    items: quizItems,
    ...overrides,
  };
}

export const attempt: Attempt = {
  id: "att-1",
  set_id: "set-1",
  correct: 2,
  total: 3,
  score: 2 / 3,
  results: [
    { item_id: "q1", given: "Darwin", correct: true, answer: "Darwin", explanation: "Darwin publicou em 1859.", citations: [cite(1, 1, "Charles Darwin propôs a seleção natural em 1859.")] },
    { item_id: "q2", given: "seleção", correct: false, answer: "deriva", explanation: "A deriva é aleatória.", citations: [cite(1, 3, "A deriva genética é a mudança aleatória")] },
    { item_id: "q3", given: "variação", correct: true, answer: "A variação", explanation: "Variação, hereditariedade e competição.", citations: [cite(1, 2)] },
  ],
  created_at: "2026-12-03T08:05:00",
};

export function card(overrides: Partial<Card> = {}): Card {
  return {
    id: "c1",
    set_id: "set-c",
    term: "Deriva genética",
    definition: "Mudança aleatória nas frequências alélicas.",
    citations: [cite(1, 3, "A deriva genética é a mudança aleatória")],
    due: null,
    reviews: 0,
    last_rating: null,
    ...overrides,
  };
}

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export const apiError = (status: number, code: string, message = "refused", requestId = "req-42") =>
  json(status, { error: { code, message, request_id: requestId } });

type Handler = (init: RequestInit | undefined, url: URL) => Response | Promise<Response>;

/**
 * A fetch that answers by "METHOD /path" (the query left out; the handler gets the URL).
 * Each key takes a handler or a list of them (used one after the other, the last one repeating).
 */
export function routeFetch(routes: Record<string, Handler | Handler[]>) {
  const used = new Map<string, number>();
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    const route = routes[key];
    if (!route) throw new Error(`unexpected request ${key}`);
    const handlers = Array.isArray(route) ? route : [route];
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    return handlers[Math.min(n, handlers.length - 1)](init, url);
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

/** The JSON bodies sent to "METHOD /path". */
export function sentBodies(fetch: ReturnType<typeof routeFetch>, key: string): unknown[] {
  return fetch.mock.calls
    .filter(([input, init]) => `${init?.method ?? "GET"} ${new URL(String(input), "http://localhost").pathname}` === key)
    .map(([, init]) => JSON.parse(String(init?.body)));
}
