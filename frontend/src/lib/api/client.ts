/**
 * Typed calls to the backend. Every path is same-origin: Next rewrites /api/* to Flask. The
 * student is the backend's signed, HttpOnly id cookie, which the browser sends back with every
 * same-origin request: nothing here names a user.
 */
import * as v from "valibot";
import { getAdminToken } from "../admin-token";
import { ApiError, errorFromResponse, toApiError } from "./errors";
import {
  AppConfig,
  ChunkContext,
  Collection,
  CollectionList,
  Conversation,
  ConversationList,
  DocumentList,
} from "./schemas";

type Options = { method?: string; body?: unknown; admin?: boolean; signal?: AbortSignal };

export async function request(path: string, options: Options = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.admin) {
    const token = getAdminToken();
    if (token) headers.Authorization = `Bearer ${token}`;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: "no-store",
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw toApiError(error);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

type Schema = v.GenericSchema;

async function json<S extends Schema>(schema: S, path: string, options?: Options) {
  const response = await request(path, options);
  const parsed = v.safeParse(schema, await response.json());
  if (!parsed.success) {
    throw new ApiError("unknown", `Unexpected answer from ${path}`, response.status);
  }
  return parsed.output as v.InferOutput<S>;
}

const enc = encodeURIComponent;
/** The most ids the documents listing takes at once (the backend's MAX_DOCUMENT_IDS). */
const MAX_IDS = 100;

export const api = {
  collections: () => json(CollectionList, "/api/collections").then((r) => r.items),
  createCollection: (name: string, description = "") =>
    json(Collection, "/api/collections", {
      method: "POST",
      body: { name, description },
      admin: true,
    }),
  deleteCollection: (id: string) =>
    request(`/api/collections/${enc(id)}`, { method: "DELETE", admin: true }).then(() => {}),
  documents: (collectionId: string) =>
    json(DocumentList, `/api/collections/${enc(collectionId)}/documents`).then((r) => r.items),
  /** Only these documents of the collection (those in flight), in requests of MAX_IDS ids. */
  documentsByIds: async (collectionId: string, ids: readonly string[]) => {
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_IDS) batches.push(ids.slice(i, i + MAX_IDS));
    const answers = await Promise.all(
      batches.map((batch) => {
        const query = new URLSearchParams(batch.map((id) => ["ids", id]));
        const path = `/api/collections/${enc(collectionId)}/documents?${query}`;
        return json(DocumentList, path).then((r) => r.items);
      }),
    );
    return answers.flat();
  },
  documentFileUrl: (id: string) => `/api/documents/${enc(id)}/file`,
  deleteDocument: (id: string) =>
    request(`/api/documents/${enc(id)}`, { method: "DELETE", admin: true }).then(() => {}),
  chunk: (id: string) => json(ChunkContext, `/api/chunks/${enc(id)}`),
  /** This browser's conversations (the backend knows whose from its cookie). */
  conversations: (params: { q?: string; limit?: number; cursor?: string } = {}) => {
    const query = new URLSearchParams({ limit: String(params.limit ?? 50) });
    if (params.q) query.set("q", params.q);
    if (params.cursor) query.set("cursor", params.cursor);
    return json(ConversationList, `/api/conversations?${query}`);
  },
  conversation: (id: string) => json(Conversation, `/api/conversations/${enc(id)}`),
  deleteConversation: (id: string) =>
    request(`/api/conversations/${enc(id)}`, { method: "DELETE" }).then(() => {}),
  feedback: (messageId: string, rating: "up" | "down", comment?: string) =>
    request(`/api/messages/${enc(messageId)}/feedback`, {
      method: "POST",
      body: comment ? { rating, comment } : { rating },
    }).then(() => {}),
  config: () => json(AppConfig, "/api/config"),
  /** Resolves when the stored admin token is right; an ApiError of kind "unauthorized" if not. */
  checkAdmin: () => request("/api/admin/check", { admin: true }).then(() => {}),
};
