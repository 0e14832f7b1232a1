/**
 * The backend's payloads, checked at the edge with zod (the live contract is /api/openapi.json).
 * Unknown extra fields are allowed so a newer backend never breaks an older page.
 */
import { z } from "zod";

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    request_id: z.string().nullish(),
  }),
});

export const Collection = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().default(""),
  documents: z.number().int(),
  created_at: z.string(),
});
export type Collection = z.infer<typeof Collection>;
export const CollectionList = z.object({ items: z.array(Collection) });

export const Status = z.enum(["queued", "running", "ready", "failed"]);
export type Status = z.infer<typeof Status>;

export const DocumentInfo = z.object({
  id: z.string(),
  collection_id: z.string(),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int(),
  pages: z.number().int().nullable(),
  chunks: z.number().int(),
  status: Status,
  progress: z.number(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  created_at: z.string(),
});
export type DocumentInfo = z.infer<typeof DocumentInfo>;
export const DocumentList = z.object({ items: z.array(DocumentInfo) });

export const UploadItem = z.object({
  id: z.string(),
  filename: z.string(),
  status: z.string(),
  job_id: z.string().nullable(),
  duplicate: z.boolean().default(false),
});
export type UploadItem = z.infer<typeof UploadItem>;
export const UploadResult = z.object({ items: z.array(UploadItem) });

export const Job = z.object({
  id: z.string(),
  status: Status,
  progress: z.number(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  document_id: z.string().nullable(),
});
export type Job = z.infer<typeof Job>;

export const Citation = z.object({
  id: z.number().int(),
  document_id: z.string(),
  filename: z.string(),
  page: z.number().int().nullable(),
  quote: z.string(),
  chunk_id: z.string().nullish(),
});
export type Citation = z.infer<typeof Citation>;
export const Citations = z.array(Citation);

export const Mode = z.enum(["generated", "extractive"]);
export type Mode = z.infer<typeof Mode>;

/** What the stream's `start` and `finish` parts carry as message metadata. */
export const AnswerMetadata = z.object({
  conversation_id: z.string().optional(),
  message_id: z.string().optional(),
  mode: Mode.optional(),
  provider: z.string().nullish(),
  model: z.string().nullish(),
  fallback: z.boolean().optional(),
  incomplete: z.boolean().optional(),
});
export type AnswerMetadata = z.infer<typeof AnswerMetadata>;

export const SearchHit = z.object({
  chunk_id: z.string(),
  document_id: z.string(),
  filename: z.string(),
  page: z.number().int().nullable(),
  text: z.string(),
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const ConversationSummary = z.object({
  id: z.string(),
  collection_id: z.string(),
  user_id: z.string().nullable(),
  title: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;
export const ConversationList = z.object({
  items: z.array(ConversationSummary),
  next_cursor: z.string().nullable(),
});

export const StoredMessage = z.object({
  id: z.string(),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  mode: Mode.nullable(),
  citations: Citations,
  provider: z.string().nullable(),
  model: z.string().nullable(),
  fallback: z.boolean().optional(),
  incomplete: z.boolean(),
  created_at: z.string(),
});
export type StoredMessage = z.infer<typeof StoredMessage>;
export const Conversation = ConversationSummary.extend({ messages: z.array(StoredMessage) });
export type Conversation = z.infer<typeof Conversation>;

/** A cited chunk with its neighbours, for sources that have no pages to show. */
export const ChunkContext = z.object({
  id: z.string(),
  document_id: z.string(),
  filename: z.string(),
  page: z.number().int().nullable(),
  text: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export type ChunkContext = z.infer<typeof ChunkContext>;

/** What the web app needs to know before it acts: upload limits, file types, features. */
export const AppConfig = z.object({
  max_upload_mb: z.number(),
  max_upload_files: z.number().int(),
  supported_extensions: z.array(z.string()),
  generation: z.boolean(),
});
export type AppConfig = z.infer<typeof AppConfig>;
