/**
 * The backend's payloads, checked at the edge (the live contract is /api/openapi.json). Unknown
 * extra fields are allowed (and dropped) so a newer backend never breaks an older page.
 *
 * Valibot, not zod: these checks run on the first page, and the bundler keeps only the valibot
 * functions used here (about 3 kB gzipped), while zod's core came whole (24 kB, an eighth of the
 * first page's budget). They are Standard Schemas, which the AI SDK also takes.
 */
import * as v from "valibot";

const int = v.pipe(v.number(), v.integer());

export const ErrorBody = v.object({
  error: v.object({
    code: v.string(),
    message: v.string(),
    request_id: v.nullish(v.string()),
  }),
});

export const Collection = v.object({
  id: v.string(),
  name: v.string(),
  description: v.optional(v.string(), ""),
  documents: int,
  created_at: v.string(),
});
export type Collection = v.InferOutput<typeof Collection>;
export const CollectionList = v.object({ items: v.array(Collection) });

export const Status = v.picklist(["queued", "running", "ready", "failed"]);
export type Status = v.InferOutput<typeof Status>;

export const DocumentInfo = v.object({
  id: v.string(),
  collection_id: v.string(),
  filename: v.string(),
  content_type: v.string(),
  size_bytes: int,
  pages: v.nullable(int),
  chunks: int,
  status: Status,
  progress: v.number(),
  error: v.nullable(v.string()),
  error_code: v.nullable(v.string()),
  created_at: v.string(),
});
export type DocumentInfo = v.InferOutput<typeof DocumentInfo>;
export const DocumentList = v.object({ items: v.array(DocumentInfo) });

export const UploadItem = v.object({
  id: v.string(),
  filename: v.string(),
  status: v.string(),
  job_id: v.nullable(v.string()),
  duplicate: v.optional(v.boolean(), false),
});
export type UploadItem = v.InferOutput<typeof UploadItem>;
export const UploadResult = v.object({ items: v.array(UploadItem) });

export const Job = v.object({
  id: v.string(),
  status: Status,
  progress: v.number(),
  error: v.nullable(v.string()),
  error_code: v.nullable(v.string()),
  document_id: v.nullable(v.string()),
});
export type Job = v.InferOutput<typeof Job>;

export const Citation = v.object({
  id: int,
  document_id: v.string(),
  filename: v.string(),
  page: v.nullable(int),
  quote: v.string(),
  chunk_id: v.nullish(v.string()),
});
export type Citation = v.InferOutput<typeof Citation>;
export const Citations = v.array(Citation);

export const Mode = v.picklist(["generated", "extractive"]);
export type Mode = v.InferOutput<typeof Mode>;

/** What the stream's `start` and `finish` parts carry as message metadata. */
export const AnswerMetadata = v.object({
  conversation_id: v.optional(v.string()),
  message_id: v.optional(v.string()),
  mode: v.optional(Mode),
  provider: v.nullish(v.string()),
  model: v.nullish(v.string()),
  fallback: v.optional(v.boolean()),
  incomplete: v.optional(v.boolean()),
});
export type AnswerMetadata = v.InferOutput<typeof AnswerMetadata>;

export const SearchHit = v.object({
  chunk_id: v.string(),
  document_id: v.string(),
  filename: v.string(),
  page: v.nullable(int),
  text: v.string(),
  score: v.number(),
});
export type SearchHit = v.InferOutput<typeof SearchHit>;

export const ConversationSummary = v.object({
  id: v.string(),
  collection_id: v.string(),
  user_id: v.nullable(v.string()),
  title: v.string(),
  created_at: v.string(),
  updated_at: v.string(),
});
export type ConversationSummary = v.InferOutput<typeof ConversationSummary>;
export const ConversationList = v.object({
  items: v.array(ConversationSummary),
  next_cursor: v.nullable(v.string()),
});

export const StoredMessage = v.object({
  id: v.string(),
  role: v.picklist(["user", "assistant"]),
  content: v.string(),
  mode: v.nullable(Mode),
  citations: Citations,
  provider: v.nullable(v.string()),
  model: v.nullable(v.string()),
  fallback: v.optional(v.boolean()),
  incomplete: v.boolean(),
  tutor: v.optional(v.boolean()),
  created_at: v.string(),
});
export type StoredMessage = v.InferOutput<typeof StoredMessage>;
export const Conversation = v.object({
  ...ConversationSummary.entries,
  messages: v.array(StoredMessage),
});
export type Conversation = v.InferOutput<typeof Conversation>;

/** A cited chunk with its neighbours, for sources that have no pages to show. */
export const ChunkContext = v.object({
  id: v.string(),
  document_id: v.string(),
  filename: v.string(),
  page: v.nullable(int),
  text: v.string(),
  before: v.nullable(v.string()),
  after: v.nullable(v.string()),
});
export type ChunkContext = v.InferOutput<typeof ChunkContext>;

/** What the web app needs to know before it acts: upload limits, file types, features. */
export const AppConfig = v.object({
  max_upload_mb: v.number(),
  max_upload_files: int,
  supported_extensions: v.array(v.string()),
  generation: v.boolean(),
});
export type AppConfig = v.InferOutput<typeof AppConfig>;
