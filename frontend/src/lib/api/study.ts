/**
 * The study tools' calls (quizzes, flashcards, study guides) and their payloads, checked at the
 * edge like the rest of the API (schemas.ts). The contract is the backend's
 * chatgepeto/api/study_schemas.py.
 */
import * as v from "valibot";
import { ApiError } from "./errors";
import { request } from "./client";
import { Citations, Mode, Status } from "./schemas";

const int = v.pipe(v.number(), v.integer());

export const STUDY_KINDS = ["quiz", "flashcards", "guide"] as const;
export const StudyKind = v.picklist(STUDY_KINDS);
export type StudyKind = v.InferOutput<typeof StudyKind>;

export const ItemKind = v.picklist(["mcq", "short", "cloze", "card", "topic"]);
export type ItemKind = v.InferOutput<typeof ItemKind>;

export const RATINGS = ["again", "hard", "good", "easy"] as const;
export const Rating = v.picklist(RATINGS);
export type Rating = v.InferOutput<typeof Rating>;

/** A question, card or topic. A quiz question's answer and explanation are null until answered. */
export const StudyItem = v.object({
  id: v.string(),
  position: int,
  kind: ItemKind,
  prompt: v.string(),
  answer: v.nullable(v.string()),
  choices: v.optional(v.array(v.string()), []),
  explanation: v.nullable(v.string()),
  citations: Citations,
});
export type StudyItem = v.InferOutput<typeof StudyItem>;

export const StudySetSummary = v.object({
  id: v.string(),
  kind: StudyKind,
  collection_id: v.string(),
  document_id: v.nullable(v.string()),
  page_from: v.nullable(int),
  page_to: v.nullable(int),
  title: v.string(),
  language: v.string(),
  mode: v.nullable(Mode),
  requested: int,
  status: Status,
  progress: v.number(),
  error: v.nullable(v.string()),
  error_code: v.nullable(v.string()),
  job_id: v.nullable(v.string()),
  items_count: int,
  created_at: v.string(),
});
export type StudySetSummary = v.InferOutput<typeof StudySetSummary>;

export const StudySet = v.object({ ...StudySetSummary.entries, items: v.array(StudyItem) });
export type StudySet = v.InferOutput<typeof StudySet>;
export const StudySetList = v.object({ items: v.array(StudySetSummary) });

export const AttemptResult = v.object({
  item_id: v.string(),
  given: v.string(),
  correct: v.boolean(),
  answer: v.string(),
  explanation: v.string(),
  citations: Citations,
});
export type AttemptResult = v.InferOutput<typeof AttemptResult>;

export const Attempt = v.object({
  id: v.string(),
  set_id: v.string(),
  correct: int,
  total: int,
  score: v.number(),
  results: v.array(AttemptResult),
  created_at: v.string(),
});
export type Attempt = v.InferOutput<typeof Attempt>;
export const AttemptList = v.object({ items: v.array(Attempt) });

/** A flashcard with this student's schedule (`due` null: never reviewed). */
export const Card = v.object({
  id: v.string(),
  set_id: v.string(),
  term: v.string(),
  definition: v.string(),
  citations: Citations,
  due: v.nullable(v.string()),
  reviews: int,
  last_rating: v.nullable(Rating),
});
export type Card = v.InferOutput<typeof Card>;
export const CardList = v.object({ items: v.array(Card), due_now: int });
export type CardList = v.InferOutput<typeof CardList>;

export type NewStudySet = {
  kind: StudyKind;
  collection_id: string;
  document_id?: string;
  page_from?: number;
  page_to?: number;
  count?: number;
};

export type AttemptAnswer = { item_id: string; answer: string };

type Options = Parameters<typeof request>[1];

async function json<S extends v.GenericSchema>(schema: S, path: string, options?: Options) {
  const response = await request(path, options);
  const parsed = v.safeParse(schema, await response.json());
  if (!parsed.success) {
    throw new ApiError("unknown", `Unexpected answer from ${path}`, response.status);
  }
  return parsed.output as v.InferOutput<S>;
}

const enc = encodeURIComponent;

export const studyApi = {
  /** Start building a set: it comes back queued, to follow with `set`. */
  create: (body: NewStudySet) => json(StudySet, "/api/study/sets", { method: "POST", body }),
  /** The collection's sets, newest first. */
  list: (collectionId: string, kind?: StudyKind) => {
    const query = new URLSearchParams({ collection_id: collectionId });
    if (kind) query.set("kind", kind);
    return json(StudySetList, `/api/study/sets?${query}`).then((r) => r.items);
  },
  set: (id: string, signal?: AbortSignal) => json(StudySet, `/api/study/sets/${enc(id)}`, { signal }),
  /** Its creator may delete it (the cookie says who), and so may the teacher (the admin token). */
  remove: (id: string) =>
    request(`/api/study/sets/${enc(id)}`, { method: "DELETE", admin: true }).then(() => {}),
  submitAttempt: (setId: string, answers: AttemptAnswer[]) =>
    json(Attempt, `/api/study/sets/${enc(setId)}/attempts`, { method: "POST", body: { answers } }),
  /** This student's attempts at the quiz, newest first. */
  attempts: (setId: string) =>
    json(AttemptList, `/api/study/sets/${enc(setId)}/attempts`).then((r) => r.items),
  cards: (setId: string) => json(CardList, `/api/study/sets/${enc(setId)}/cards`),
  review: (itemId: string, rating: Rating) =>
    json(Card, `/api/study/cards/${enc(itemId)}/review`, { method: "POST", body: { rating } }),
};
