/** The chat's message type: the AI SDK's UIMessage with our answer metadata and citations. */
import type { UIMessage } from "ai";
import * as v from "valibot";
import { AnswerMetadata, Citations, type Citation } from "@/lib/api/schemas";

/**
 * An answer's metadata, and on a question whether it was asked in tutor mode (set by the page
 * when it sends; an answer's own `tutor`, if the stream says it, wins).
 */
export const MessageMetadata = v.object({ ...AnswerMetadata.entries, tutor: v.optional(v.boolean()) });
export type MessageMetadata = v.InferOutput<typeof MessageMetadata>;

export type ChatDataParts = { citations: Citation[] };
export type ChatMessage = UIMessage<MessageMetadata, ChatDataParts>;

/** Checks useChat applies to what the stream sends (`start`/`finish` metadata, `data-citations`). */
export const messageMetadataSchema = MessageMetadata;
export const dataPartSchemas = { citations: Citations };
