/**
 * A first visit as a new user has it, with nothing the rest of the suite prepared: a backend
 * with its default settings on an empty data folder, a collection and a PDF added through the
 * HTTP API (the README's first session, with fetch for curl), then the web app in a fresh
 * browser context (no cookies, no storage) that picks the collection, asks, gets a cited answer
 * and opens the citation.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import {
  ARTIFACTS,
  launchBrowser,
  makeBiologyPdf,
  startBackend,
  startFrontend,
  tempDir,
  type Process,
} from "./stack";

const COLLECTION = "Evolução — primeira visita";
const QUESTION = "Quais são as causas da seleção natural?";

let dataDir: string;
let pdfDir: string;
let backend: Process | undefined;
let frontend: Process | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page | undefined;

beforeAll(async () => {
  dataDir = tempDir("chatgepeto-first-visit-");
  pdfDir = tempDir("chatgepeto-first-visit-pdf-");
  [backend, frontend, browser] = await Promise.all([
    startBackend(inject("backendPort"), dataDir, undefined, {
      defaults: true,
      name: "backend-first-visit",
    }),
    startFrontend(),
    launchBrowser(),
  ]);
});

afterEach(async (test) => {
  if (test.task.result?.state !== "fail" || !page) return;
  await page.screenshot({ path: path.join(ARTIFACTS, "failed-first-visit.png") }).catch(() => {});
  const text = await page.locator("body").innerText().catch(() => "");
  writeFileSync(path.join(ARTIFACTS, "failed-first-visit.txt"), `${page.url()}\n\n${text}`);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await Promise.all([frontend?.stop(), backend?.stop()]);
  for (const dir of [dataDir, pdfDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function json(response: Response, status: number): Promise<Record<string, unknown>> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** GET the document until its ingestion ends; a failure says why at once. */
async function waitUntilReady(documentId: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const document = await json(await fetch(`${backend!.url}/api/documents/${documentId}`), 200);
    if (document.status === "ready") return;
    if (document.status === "failed") throw new Error(`ingestion failed: ${JSON.stringify(document)}`);
    if (Date.now() > deadline) throw new Error(`still ${document.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a first visit", () => {
  test(
    "from an empty data folder: a collection made through the API, a cited answer, the cited page",
    async () => {
      // The folder was empty: the backend wrote its admin token there (`make run` prints it).
      const token = readFileSync(path.join(dataDir, "admin_token"), "utf8").trim();
      const auth = { Authorization: `Bearer ${token}` };
      expect(await json(await fetch(`${backend!.url}/api/collections`), 200)).toEqual({ items: [] });

      const collection = await json(
        await fetch(`${backend!.url}/api/collections`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ name: COLLECTION }),
        }),
        201,
      );
      const form = new FormData();
      const pdf = makeBiologyPdf(pdfDir);
      form.append("files", new Blob([readFileSync(pdf)], { type: "application/pdf" }), path.basename(pdf));
      const upload = await json(
        await fetch(`${backend!.url}/api/collections/${collection.id}/documents`, {
          method: "POST",
          headers: auth,
          body: form,
        }),
        202,
      );
      const [item] = upload.items as { id: string }[];
      await waitUntilReady(item.id);

      // A browser that has never seen the app.
      context = await browser!.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
      expect(await context.cookies()).toEqual([]);
      page = await context.newPage();
      await page.goto(frontend!.url);
      await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
      await page.getByTestId("history-empty").waitFor({ state: "visible" }); // no past conversation

      await page.getByTestId("composer").fill(QUESTION);
      await page.getByTestId("composer").press("Enter");
      const answer = page.getByTestId("assistant-message").first();
      await answer.waitFor({ state: "visible", timeout: 60_000 });
      await expect.poll(() => answer.getAttribute("data-state"), { timeout: 60_000 }).toBe("done");
      expect(await answer.textContent()).toMatch(/varia/i);
      // Rendered by the markdown renderer once its chunk arrived, not left as plain text.
      await expect.poll(() => answer.getByTestId("plain-answer").count(), { timeout: 15_000 }).toBe(0);
      const chips = answer.getByTestId("citation-chip");
      expect(await chips.count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "first-visit-answer.png") });

      await chips.first().click();
      const panel = page.getByTestId("source-panel");
      await panel.waitFor({ state: "visible" });
      await expect.poll(() => panel.getByTestId("source-page").textContent()).toContain("2");
      await expect
        .poll(() => panel.locator(".citation-highlight").count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "first-visit-source.png") });
    },
    240_000,
  );
});
