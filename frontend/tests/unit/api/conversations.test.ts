import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "@/lib/api/client";

const page = () =>
  Response.json({
    items: [
      {
        id: "c1",
        collection_id: "col",
        user_id: "u_1",
        title: "Mitose",
        created_at: "2025-05-01T10:00:00Z",
        updated_at: "2025-05-01T10:00:00Z",
      },
    ],
    next_cursor: null,
  });

describe("the student's conversations", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("are asked for by nobody in particular: the backend's id cookie says whose", async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => page());
    vi.stubGlobal("fetch", fetchMock);

    const first = await api.conversations();
    await api.conversations({ q: "mitose", cursor: "abc" });

    expect(first.items.map((c) => c.id)).toEqual(["c1"]);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/conversations?limit=50");
    // Same origin (fetch's default), so the browser sends the HttpOnly cookie; no other credentials.
    expect(init?.credentials).toBeUndefined();
    expect(new Headers(init?.headers).has("Authorization")).toBe(false);
    const later = new URL(String(fetchMock.mock.calls[1][0]), "http://app.test");
    expect(Object.fromEntries(later.searchParams)).toEqual({ limit: "50", q: "mitose", cursor: "abc" });
    for (const [input] of fetchMock.mock.calls) expect(String(input)).not.toContain("user_id");
  });
});
