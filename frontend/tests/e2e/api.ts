/**
 * The backend's HTTP API as the browser tests use it to prepare what a teacher would have made
 * (a collection, its documents) and to wait for the servers, without going through the web app.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

/** The response's JSON body, once its status is `status` (else the body says why). */
export async function json(response: Response, status: number): Promise<Record<string, unknown>> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** Wait until `url` answers 200: after a backend restart, through the web app's /api proxy. */
export async function waitUntilOk(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // the proxy's connection to the old backend: try again
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A new collection named `name`, made with the admin `token`. */
export async function createCollection(
  backendUrl: string,
  token: string,
  name: string,
): Promise<Record<string, unknown>> {
  return json(
    await fetch(`${backendUrl}/api/collections`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    }),
    201,
  );
}

/** Upload one file into the collection; the id of the document it became (not ingested yet). */
export async function uploadFile(
  backendUrl: string,
  token: string,
  collectionId: unknown,
  file: Blob,
  filename: string,
): Promise<string> {
  const form = new FormData();
  form.append("files", file, filename);
  const upload = await json(
    await fetch(`${backendUrl}/api/collections/${collectionId}/documents`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    }),
    202,
  );
  return (upload.items as { id: string }[])[0].id;
}

/** Upload the PDF at `pdfPath` under `filename` (its own name unless told). */
export function uploadPdf(
  backendUrl: string,
  token: string,
  collectionId: unknown,
  pdfPath: string,
  filename = path.basename(pdfPath),
): Promise<string> {
  const file = new Blob([readFileSync(pdfPath)], { type: "application/pdf" });
  return uploadFile(backendUrl, token, collectionId, file, filename);
}

/** GET the document until its ingestion ends; a failure says why at once. */
export async function waitUntilReady(backendUrl: string, documentId: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const document = await json(await fetch(`${backendUrl}/api/documents/${documentId}`), 200);
    if (document.status === "ready") return;
    if (document.status === "failed") throw new Error(`ingestion failed: ${JSON.stringify(document)}`);
    if (Date.now() > deadline) throw new Error(`still ${document.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
