/**
 * The teacher's analytics in a browser, against the real backend: students' questions (one off
 * the material) and a thumbs-down go through the API; the teacher opens /analytics with the
 * admin token and sees the week's counts, the chart, the most asked topics, the rated-down answer
 * and a CSV download; axe-clean. The screenshot goes to test-results/e2e/analytics.png.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { createCollection, json, uploadPdf, waitUntilReady } from "./api";
import { checkAccessibility } from "./checks";
import { ADMIN_TOKEN, ARTIFACTS, makeBiologyPdf, startStack, stopStack, tempDir, type Process } from "./stack";

const COLLECTION = "Biologia — análises";
const tempDirs: string[] = [];
let backend: Process | undefined;
let frontend: Process | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;

beforeAll(async () => {
  const dataDir = tempDir("chatgepeto-e2e-analytics-");
  const pdfDir = tempDir("chatgepeto-e2e-analytics-pdf-");
  tempDirs.push(dataDir, pdfDir);
  [backend, frontend, browser] = await startStack(inject("backendPort"), dataDir, { name: "backend-analytics" });
  const collection = await createCollection(backend.url, ADMIN_TOKEN, COLLECTION);
  const documentId = await uploadPdf(backend.url, ADMIN_TOKEN, collection.id, makeBiologyPdf(pdfDir), "biologia.pdf");
  await waitUntilReady(backend.url, documentId);
  // A student asks three questions and rates the last answer down (their id cookie kept).
  let cookie = "";
  let messageId = "";
  for (const question of [
    "O que é seleção natural?",
    "Quais são as causas da seleção natural?",
    "O que é deriva genética?",
  ]) {
    const response = await fetch(`${backend.url}/api/ask`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(cookie ? { Cookie: cookie } : {}) },
      body: JSON.stringify({ question, collection_id: collection.id }),
    });
    cookie = cookie || (response.headers.get("set-cookie") ?? "").split(";")[0];
    messageId = (await json(response, 200)).message_id as string;
  }
  const feedback = await fetch(`${backend.url}/api/messages/${messageId}/feedback`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: cookie },
    body: JSON.stringify({ rating: "down", comment: "Faltou um exemplo." }),
  });
  expect(feedback.status).toBe(204);

  context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await stopStack(browser, [frontend, backend], tempDirs);
});

describe("teacher analytics", () => {
  test("the week's questions, topics and rated-down answer, as charts and CSV", async () => {
    await page.goto(`${frontend!.url}/analytics`);
    await page.getByTestId("admin-token").fill(ADMIN_TOKEN);
    await page.getByTestId("admin-token").press("Enter");
    await page.getByRole("heading", { level: 1, name: "Análises" }).waitFor();
    await page.getByTestId("analytics-collection").selectOption({ label: COLLECTION });
    const report = page.getByTestId("analytics-report");
    await report.waitFor({ state: "visible", timeout: 30_000 });
    await expect.poll(() => page.getByTestId("total-questions").textContent()).toBe("3");
    expect(await page.getByTestId("total-thumbs-down").textContent()).toBe("1");
    await page.getByTestId("weekly-chart").waitFor();
    expect(await page.getByTestId("topic").count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId("thumbs-down-row").count()).toBe(1);
    expect(await page.getByTestId("thumbs-down-row").innerText()).toContain("Faltou um exemplo.");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("csv-download").click(),
    ]);
    const file = await download.path();
    const csv = readFileSync(file!, "utf8");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain("deriva genética");

    await checkAccessibility(page, "analytics");
    await page.screenshot({ path: path.join(ARTIFACTS, "analytics.png"), fullPage: true });
  });
});
