/** Which error the chat shows for a failed answer. */
import { ApiError, toApiError } from "@/lib/api/errors";
import { messageText } from "./answer";
import type { ChatMessage } from "./types";

/**
 * Refusals (HTTP errors) and a request that never left are shown as they are. Anything else
 * (the network dropping mid-stream, the backend's `error` part) after some text has arrived is
 * an interrupted answer: the partial text stays on screen.
 */
export function chatError(error: unknown, messages: ChatMessage[]): ApiError {
  if (error instanceof ApiError && (error.status !== null || error.kind === "offline")) return error;
  const last = messages.at(-1);
  if (last?.role === "assistant" && messageText(last).trim()) {
    return new ApiError("stream_interrupted", error instanceof Error ? error.message : String(error));
  }
  return toApiError(error);
}
