/**
 * What the chat screen's tests give it in place of the backend and the browser: the API
 * client's functions as mocks (a test file installs them with
 * `vi.mock("@/lib/api/client", () => import("./screen-env"))`), a biology collection, and a
 * wide screen whose `fetch` is the test's.
 */
import { vi } from "vitest";
import type { Collection } from "@/lib/api/schemas";

export const api = {
  collections: vi.fn(),
  conversations: vi.fn(),
  conversation: vi.fn(),
  deleteConversation: vi.fn(),
  feedback: vi.fn(),
};

export const biology: Collection = {
  id: "col-bio",
  name: "Biologia",
  description: "",
  documents: 2,
  created_at: "2025-05-01T10:00:00Z",
};

/** The API lists `collections` and no past conversation; `fetch` is `fetchMock`, the screen wide. */
export function stubScreenEnv(fetchMock: typeof fetch, collections: Collection[] = [biology]): void {
  api.collections.mockResolvedValue(collections);
  api.conversations.mockResolvedValue({ items: [], next_cursor: null });
  vi.stubGlobal("fetch", fetchMock);
  vi.stubGlobal("matchMedia", (query: string) => ({
    matches: true, // a wide screen: the history is a sidebar
    media: query,
    addEventListener: () => {},
    removeEventListener: () => {},
  }));
}
