/**
 * Errors the web app can show: every failure becomes an ApiError whose `kind` names a message in
 * messages/<locale>/errors.json, so the user always reads a translated sentence, never a stack.
 */
export type ErrorKind =
  | "offline" // the network is gone (fetch threw)
  | "backend_down" // the proxy or backend answered 502/503/504
  | "rate_limited" // 429
  | "unauthorized" // 401
  | "not_found"
  | "too_large" // 413
  | "unsupported_type" // 415
  | "invalid" // 400/409/422
  | "stream_interrupted" // the answer stream stopped halfway
  | "unknown";

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status: number | null = null,
    readonly code: string | null = null,
    readonly requestId: string | null = null,
    /** Seconds from a Retry-After header, when the server sent one. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 413) return "too_large";
  if (status === 415) return "unsupported_type";
  if (status === 429) return "rate_limited";
  if (status === 502 || status === 503 || status === 504) return "backend_down";
  if (status >= 400 && status < 500) return "invalid";
  return "unknown";
}

export function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

/** Build an ApiError from a failed response, reading the backend's error body when it has one. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let code: string | null = null;
  let message = response.statusText || `HTTP ${response.status}`;
  let requestId = response.headers.get("x-request-id");
  try {
    const body = await response.json();
    if (body && typeof body === "object" && body.error) {
      code = typeof body.error.code === "string" ? body.error.code : null;
      message = typeof body.error.message === "string" ? body.error.message : message;
      requestId = body.error.request_id ?? requestId;
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status alone decides.
  }
  // The backend's own 500s always carry its JSON error body; a bare 500 is the Next.js proxy
  // failing to reach the backend, so the backend is down.
  const kind = response.status === 500 && code === null ? "backend_down" : kindForStatus(response.status);
  return new ApiError(
    kind,
    message,
    response.status,
    code,
    requestId,
    parseRetryAfter(response.headers.get("retry-after")),
  );
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TypeError) return new ApiError("offline", error.message);
  return new ApiError("unknown", error instanceof Error ? error.message : String(error));
}
