import { describe, expect, test } from "vitest";
import { ApiError, errorFromResponse, kindForStatus, parseRetryAfter, toApiError } from "@/lib/api/errors";

describe("errors from the backend", () => {
  test("statuses map to what the user is told", () => {
    expect(kindForStatus(401)).toBe("unauthorized");
    expect(kindForStatus(413)).toBe("too_large");
    expect(kindForStatus(415)).toBe("unsupported_type");
    expect(kindForStatus(422)).toBe("invalid");
    expect(kindForStatus(429)).toBe("rate_limited");
    expect(kindForStatus(502)).toBe("backend_down");
    expect(kindForStatus(503)).toBe("backend_down");
    expect(kindForStatus(500)).toBe("unknown");
  });

  test("the backend's error body and request id are kept", async () => {
    const response = new Response(
      JSON.stringify({ error: { code: "not_found", message: "Gone.", request_id: "req-1" } }),
      { status: 404, headers: { "content-type": "application/json" } },
    );
    const error = await errorFromResponse(response);
    expect(error).toMatchObject({ kind: "not_found", code: "not_found", message: "Gone.", requestId: "req-1" });
  });

  test("a proxy's HTML error page still gives a kind, and Retry-After is read", async () => {
    const response = new Response("<html>Bad gateway</html>", {
      status: 429,
      headers: { "retry-after": "12", "x-request-id": "abc" },
    });
    const error = await errorFromResponse(response);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfter: 12, requestId: "abc" });
  });

  test("a bare 500 is the proxy failing to reach the backend; the backend's own is not", async () => {
    expect((await errorFromResponse(new Response("Internal Server Error", { status: 500 }))).kind).toBe(
      "backend_down",
    );
    const own = new Response(JSON.stringify({ error: { code: "internal_error", message: "Oops." } }), {
      status: 500,
    });
    expect((await errorFromResponse(own)).kind).toBe("unknown");
  });

  test("Retry-After as a date, and garbage", () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThanOrEqual(8);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  test("a network failure is 'offline'; an ApiError passes through", () => {
    expect(toApiError(new TypeError("Failed to fetch")).kind).toBe("offline");
    const original = new ApiError("too_large", "big", 413);
    expect(toApiError(original)).toBe(original);
  });
});
