import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DocumentInfo } from "@/lib/api/schemas";
import { inFlightIds, mergeUpdates, nextDelay, POLL } from "@/lib/documents/polling";

const api = vi.hoisted(() => ({ documents: vi.fn(), documentsByIds: vi.fn() }));
vi.mock("@/lib/api/client", () => ({ api }));

const { useDocuments } = await import("@/lib/documents/use-documents");

function doc(id: string, status: DocumentInfo["status"], progress = 0): DocumentInfo {
  return {
    id,
    collection_id: "c1",
    filename: `${id}.pdf`,
    content_type: "application/pdf",
    size_bytes: 1000,
    pages: status === "ready" ? 3 : null,
    chunks: status === "ready" ? 5 : 0,
    status,
    progress: status === "ready" ? 1 : progress,
    error: null,
    error_code: null,
    created_at: "2025-05-01T10:00:00Z",
  };
}

describe("polling, the pure part", () => {
  const ready = doc("r", "ready");
  const running = doc("a", "running", 0.2);
  const queued = doc("q", "queued");

  it("asks only about the documents queued or running", () => {
    expect(inFlightIds([running, ready, queued])).toEqual(["a", "q"]);
    expect(inFlightIds([ready])).toEqual([]);
  });

  it("folds an answer in: updated rows replaced, the others the same objects", () => {
    const list = [running, ready, queued];
    const merged = mergeUpdates(list, ["a", "q"], [{ ...running, progress: 0.6 }, queued]);
    expect(merged.map((d) => [d.id, d.progress])).toEqual([
      ["a", 0.6],
      ["r", 1],
      ["q", 0],
    ]);
    expect(merged[1]).toBe(ready);
    expect(merged[2]).toBe(queued);
  });

  it("gives back the very same list when nothing moved, and drops a document deleted meanwhile", () => {
    const list = [running, ready, queued];
    expect(mergeUpdates(list, ["a", "q"], [{ ...running }, { ...queued }])).toBe(list);
    expect(mergeUpdates(list, ["a", "q"], [running]).map((d) => d.id)).toEqual(["a", "r"]);
  });

  it("waits longer while nothing moves and after failures, within bounds", () => {
    expect(nextDelay(1000, "unchanged")).toBe(1500);
    expect(nextDelay(4000, "unchanged")).toBe(POLL.maxMs);
    expect(nextDelay(POLL.maxMs, "changed")).toBe(POLL.firstMs);
    expect(nextDelay(1000, "failed")).toBe(2000);
    expect(nextDelay(20_000, "failed")).toBe(POLL.errorMaxMs);
  });
});

describe("useDocuments", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    api.documents.mockReset();
    api.documentsByIds.mockReset();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The hook with its first full list loaded. */
  async function loaded(list: DocumentInfo[]) {
    api.documents.mockResolvedValueOnce(list);
    const hook = renderHook(() => useDocuments("c1"));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(hook.result.current.data).toEqual(list);
    return hook;
  }

  const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

  it("polls only the documents in flight, keeps the rest untouched, and stops when none is left", async () => {
    const ready = doc("r", "ready");
    const { result } = await loaded([doc("a", "running", 0.1), ready, doc("q", "queued")]);

    api.documentsByIds.mockResolvedValueOnce([doc("a", "running", 0.5), doc("q", "queued")]);
    await advance(POLL.firstMs);
    expect(api.documentsByIds).toHaveBeenCalledTimes(1);
    expect(api.documentsByIds).toHaveBeenLastCalledWith("c1", ["a", "q"]);
    expect(result.current.data?.map((d) => [d.id, d.status, d.progress])).toEqual([
      ["a", "running", 0.5],
      ["r", "ready", 1],
      ["q", "queued", 0],
    ]);
    expect(result.current.data?.[1]).toBe(ready);

    // `a` is done: from now on only `q` is asked about.
    api.documentsByIds.mockResolvedValueOnce([doc("a", "ready"), doc("q", "running", 0.3)]);
    await advance(POLL.firstMs);
    api.documentsByIds.mockResolvedValueOnce([doc("q", "ready")]);
    await advance(POLL.firstMs);
    expect(api.documentsByIds).toHaveBeenLastCalledWith("c1", ["q"]);
    expect(result.current.data?.map((d) => d.status)).toEqual(["ready", "ready", "ready"]);

    // Nothing in flight: no more requests, however long the page stays open.
    await advance(60_000);
    expect(api.documentsByIds).toHaveBeenCalledTimes(3);
    expect(api.documents).toHaveBeenCalledTimes(1); // the whole list was never asked again
  });

  it("backs off while nothing moves, and comes back to a second when it does", async () => {
    const waiting = doc("q", "queued");
    await loaded([waiting]);
    api.documentsByIds.mockResolvedValue([waiting]);
    const calls = () => api.documentsByIds.mock.calls.length;

    await advance(1000); // the first answer after loading
    expect(calls()).toBe(1);
    await advance(1000); // still a second: the first answer counts as news
    expect(calls()).toBe(2);
    await advance(1499);
    expect(calls()).toBe(2); // now 1.5 s
    await advance(1);
    expect(calls()).toBe(3);
    await advance(2250); // then 2.25 s
    expect(calls()).toBe(4);
    await advance(3375 + 5000 + 5000); // 3.4 s, then capped at 5 s
    expect(calls()).toBe(7);

    api.documentsByIds.mockResolvedValue([doc("q", "running", 0.1)]);
    await advance(5000);
    expect(calls()).toBe(8);
    await advance(1000); // it moved: a second again
    expect(calls()).toBe(9);
  });

  it("keeps trying after failures, waiting longer, and says so after a few in a row", async () => {
    const { result } = await loaded([doc("a", "running", 0.1)]);
    api.documentsByIds.mockRejectedValue(new Error("offline"));

    await advance(1000);
    await advance(2000);
    expect(api.documentsByIds).toHaveBeenCalledTimes(2);
    expect(result.current.error).toBeNull(); // one blip is not worth a message
    await advance(4000);
    expect(api.documentsByIds).toHaveBeenCalledTimes(3);
    expect(result.current.error).toBeInstanceOf(Error);
    expect(result.current.data?.[0].progress).toBe(0.1); // the rows stay

    api.documentsByIds.mockResolvedValue([doc("a", "running", 0.7)]);
    await advance(8000);
    expect(result.current.error).toBeNull();
    expect(result.current.data?.[0].progress).toBe(0.7);
  });

  it("does not poll a list with nothing in flight, and a reload starts from the whole list", async () => {
    const { result } = await loaded([doc("r", "ready")]);
    await advance(30_000);
    expect(api.documentsByIds).not.toHaveBeenCalled();

    api.documents.mockResolvedValueOnce([doc("n", "queued"), doc("r", "ready")]);
    await act(async () => result.current.reload());
    await advance(0);
    expect(api.documents).toHaveBeenCalledTimes(2);
    api.documentsByIds.mockResolvedValueOnce([doc("n", "ready")]);
    await advance(1000);
    expect(api.documentsByIds).toHaveBeenLastCalledWith("c1", ["n"]);
    expect(result.current.data?.map((d) => d.status)).toEqual(["ready", "ready"]);
  });
});
