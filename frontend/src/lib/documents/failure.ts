/** Why a document failed, as a key of messages/<locale>/documents.json's `failure` group. */
export const FAILURE_CODES = [
  "encrypted_pdf",
  "damaged_pdf",
  "damaged_docx",
  "scanned_pdf",
  "empty_document",
  "not_text",
  "no_text",
  "too_large_when_unpacked",
  "parse_limits_exceeded",
  "too_much_text",
  "unsafe_xml",
  "internal_error",
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export function isFailureCode(code: unknown): code is FailureCode {
  return typeof code === "string" && (FAILURE_CODES as readonly string[]).includes(code);
}
