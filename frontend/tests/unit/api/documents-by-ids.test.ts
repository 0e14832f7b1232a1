import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "@/lib/api/client";

function listing(ids: string[]) {
  const items = ids.map((id) => ({
    id,
    collection_id: "c 1",
    filename: `${id}.pdf`,
    content_type: "application/pdf",
    size_bytes: 1,
    pages: null,
    chunks: 0,
    status: "running",
    progress: 0.5,
    error: null,
    error_code: null,
    created_at: "2025-05-01T10:00:00Z",
  }));
  return new Response(JSON.stringify({ items }), { headers: { "Content-Type": "application/json" } });
}

describe("api.documentsByIds", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("asks for the ids as repeated `ids` parameters, at most 100 a request", async () => {
    const fetchMock = vi.fn<typeof fetch>(async (input) => {
      const url = new URL(String(input), "http://app.test");
      return listing(url.searchParams.getAll("ids"));
    });
    vi.stubGlobal("fetch", fetchMock);
    const ids = Array.from({ length: 150 }, (_, i) => `d${i}`);

    const documents = await api.documentsByIds("c 1", ids);

    expect(documents.map((d) => d.id)).toEqual(ids);
    const urls = fetchMock.mock.calls.map(([input]) => new URL(String(input), "http://app.test"));
    expect(urls.map((u) => u.pathname)).toEqual([
      "/api/collections/c%201/documents",
      "/api/collections/c%201/documents",
    ]);
    expect(urls.map((u) => u.searchParams.getAll("ids").length)).toEqual([100, 50]);
  });
});
