import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/errors";
import { uploadFile } from "@/lib/documents/upload";
import { FakeXhr } from "./fake-xhr";

const file = new File(["%PDF-1.7 conteúdo"], "aula.pdf", { type: "application/pdf" });
const item = { id: "d1", filename: "aula.pdf", status: "queued", job_id: "j1", duplicate: false };

beforeEach(() => {
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("uploadFile", () => {
  it("posts the file as multipart field `files` with the admin token", async () => {
    const done = uploadFile("c 1", file, { token: "segredo" });
    const xhr = FakeXhr.last;
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/collections/c%201/documents");
    expect(xhr.headers.Authorization).toBe("Bearer segredo");
    expect((xhr.body as FormData).get("files")).toBeInstanceOf(File);
    expect(((xhr.body as FormData).get("files") as File).name).toBe("aula.pdf");
    xhr.respond(202, { items: [item] });
    await expect(done).resolves.toEqual(item);
  });

  it("sends no Authorization header without a token", () => {
    void uploadFile("c1", file).catch(() => {});
    expect(FakeXhr.last.headers.Authorization).toBeUndefined();
  });

  it("reports upload progress as a fraction, then 1 when done", async () => {
    const onProgress = vi.fn();
    const done = uploadFile("c1", file, { onProgress });
    const xhr = FakeXhr.last;
    xhr.progress(25, 100);
    xhr.progress(100, 100);
    xhr.upload.onprogress?.({ lengthComputable: false, loaded: 5, total: 0 });
    xhr.respond(200, { items: [{ ...item, duplicate: true }] });
    expect(await done).toMatchObject({ duplicate: true });
    expect(onProgress.mock.calls.map(([p]) => p)).toEqual([0.25, 1, 1]);
  });

  it.each([
    [401, "unauthorized", "unauthorized"],
    [413, "too_large", "too_large"],
    [415, "unsupported_media_type", "unsupported_type"],
    [422, "invalid_input", "invalid"],
    [404, "not_found", "not_found"],
    [503, "unavailable", "backend_down"],
  ])("turns a %i answer into an ApiError of kind %s", async (status, code, kind) => {
    const done = uploadFile("c1", file, { token: "t" });
    FakeXhr.last.respond(status, {
      error: { code, message: `Refused (${status})`, request_id: "req-9" },
    });
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      kind,
      status,
      code,
      message: `Refused (${status})`,
      requestId: "req-9",
    });
  });

  it("reads Retry-After and copes with a body that is not JSON", async () => {
    const done = uploadFile("c1", file);
    const xhr = FakeXhr.last;
    xhr.statusText = "Too Many Requests";
    xhr.respond(429, "<html>slow down</html>", { "retry-after": "7", "x-request-id": "r1" });
    await expect(done).rejects.toMatchObject({
      kind: "rate_limited",
      message: "Too Many Requests",
      retryAfter: 7,
      requestId: "r1",
      code: null,
    });
  });

  it("is offline when the request cannot be sent", async () => {
    const done = uploadFile("c1", file);
    FakeXhr.last.onerror?.();
    await expect(done).rejects.toMatchObject({ kind: "offline" });
  });

  it("rejects an unexpected success body", async () => {
    const done = uploadFile("c1", file);
    FakeXhr.last.respond(202, { items: [] });
    await expect(done).rejects.toMatchObject({ kind: "unknown" });
  });

  it("aborts with the signal", async () => {
    const controller = new AbortController();
    const done = uploadFile("c1", file, { signal: controller.signal });
    controller.abort();
    expect(FakeXhr.last.aborted).toBe(true);
    await expect(done).rejects.toMatchObject({ name: "AbortError" });
  });
});
