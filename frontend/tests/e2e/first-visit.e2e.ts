/**
 * A first visit as a new user has it, with nothing the rest of the suite prepared: a backend
 * with its default settings on an empty data folder, a collection and a PDF added through the
 * HTTP API (the README's first session, with fetch for curl), then the web app in a fresh
 * browser context (no cookies, no storage) that picks the collection, asks, gets a cited answer
 * and opens the citation.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { createCollection, json, uploadPdf, waitUntilReady } from "./api";
import { expectSourceAt, keepScreen } from "./checks";
import { ARTIFACTS, makeBiologyPdf, startStack, stopStack, tempDir, type Process } from "./stack";

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
  [backend, frontend, browser] = await startStack(inject("backendPort"), dataDir, {
    defaults: true,
    name: "backend-first-visit",
  });
});

afterEach(async (test) => {
  if (test.task.result?.state !== "fail" || !page) return;
  await keepScreen(page, "failed-first-visit");
});

afterAll(async () => {
  await context?.close();
  await stopStack(browser, [frontend, backend], [dataDir, pdfDir]);
});

describe("a first visit", () => {
  test(
    "from an empty data folder: a collection made through the API, a cited answer, the cited page",
    async () => {
      // The folder was empty: the backend wrote its admin token there (`make run` prints it).
      const token = readFileSync(path.join(dataDir, "admin_token"), "utf8").trim();
      expect(await json(await fetch(`${backend!.url}/api/collections`), 200)).toEqual({ items: [] });

      const collection = await createCollection(backend!.url, token, COLLECTION);
      const documentId = await uploadPdf(backend!.url, token, collection.id, makeBiologyPdf(pdfDir));
      await waitUntilReady(backend!.url, documentId);

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
      await expectSourceAt(page, "2");
      await page.screenshot({ path: path.join(ARTIFACTS, "first-visit-source.png") });
    },
    240_000,
  );
});
