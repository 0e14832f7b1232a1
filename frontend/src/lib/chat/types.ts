/** The chat's message type: the AI SDK's UIMessage with our answer metadata and citations. */
import type { UIMessage } from "ai";
import { AnswerMetadata, Citations, type Citation } from "@/lib/api/schemas";

export type ChatDataParts = { citations: Citation[] };
export type ChatMessage = UIMessage<AnswerMetadata, ChatDataParts>;

/** Checks useChat applies to what the stream sends (`start`/`finish` metadata, `data-citations`). */
export const messageMetadataSchema = AnswerMetadata;
export const dataPartSchemas = { citations: Citations };
