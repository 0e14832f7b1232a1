/** Build answer streams exactly as the backend sends them (docs/api.md, "Streaming answers"). */
import type { Citation } from "@/lib/api/schemas";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "x-vercel-ai-ui-message-stream": "v1",
};

export const citations: Citation[] = [
  { id: 1, document_id: "doc-bio", filename: "bio.pdf", page: 2, quote: "A seleção natural favorece…", chunk_id: "ch-1" },
  { id: 2, document_id: "doc-notes", filename: "notas.md", page: null, quote: "Darwin observou tentilhões.", chunk_id: "ch-2" },
];

export function sse(parts: (object | string)[]): string {
  return parts
    .map((p) => (typeof p === "string" ? `${p}\n\n` : `data: ${JSON.stringify(p)}\n\n`))
    .join("");
}

type AnswerOptions = {
  conversationId?: string;
  messageId?: string;
  deltas?: string[];
  finish?: Record<string, unknown>;
};

/** A whole successful answer with two citations, keep-alives included. */
export function answerParts({
  conversationId = "conv-1",
  messageId = "msg-a1",
  deltas = ["A seleção natural ", "explica a adaptação [1]. ", "Veja também [2][7]."],
  finish = { mode: "generated", provider: "groq", model: "llama-3.3-70b", incomplete: false },
}: AnswerOptions = {}): (object | string)[] {
  const meta = { conversation_id: conversationId, message_id: messageId };
  return [
    { type: "start", messageId, messageMetadata: meta },
    ": keep-alive",
    { type: "text-start", id: "text-1" },
    ...deltas.map((delta) => ({ type: "text-delta", id: "text-1", delta })),
    { type: "text-end", id: "text-1" },
    ...citations.map((c) => ({
      type: "source-document",
      sourceId: `${c.document_id}:${c.id}`,
      mediaType: c.filename.endsWith(".pdf") ? "application/pdf" : "text/markdown",
      title: c.page === null ? c.filename : `${c.filename}, p. ${c.page}`,
      filename: c.filename,
    })),
    { type: "data-citations", data: citations },
    { type: "finish", messageMetadata: { ...meta, ...finish } },
    "data: [DONE]",
  ];
}

export function sseResponse(parts: (object | string)[]): Response {
  return new Response(sse(parts), { headers: SSE_HEADERS });
}
