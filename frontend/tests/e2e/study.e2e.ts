/**
 * The study tools in a browser, against the real backend (extractive: no LLM configured): a
 * four-page ecology PDF with definitions is uploaded through the API; a student builds a quiz
 * from it, answers it, reads the score and each question's feedback and opens a citation at
 * its page in the PDF viewer; reviews a flashcard; reads a study guide; all in pt-BR, axe-clean,
 * and on a 360 px phone in the dark theme. Last, the chat's tutor switch sends `tutor: true`
 * and its "show the full answer" asks again without it. Screenshots go to test-results/e2e/.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { createCollection, uploadPdf, waitUntilReady } from "./api";
import { checkAccessibility, expectSourceAt, fileName, keepScreen } from "./checks";
import { ADMIN_TOKEN, ARTIFACTS, BACKEND_DIR, startStack, stopStack, tempDir, type Process } from "./stack";

const COLLECTION = "Ecologia — estudo";
const ECOLOGY_PAGES = [
  "Ecossistemas\n\nEcossistema é o conjunto formado pelos seres vivos de uma região e pelo ambiente " +
    "físico com que eles interagem. A energia entra nos ecossistemas pela fotossíntese, realizada " +
    "pelas plantas e pelas algas. Bioma é uma grande região com clima, vegetação e fauna próprios, " +
    "como a Amazônia, o Cerrado e a Mata Atlântica.",
  "Cadeias alimentares\n\nProdutores são os organismos que fabricam o próprio alimento a partir da " +
    "luz do sol. Consumidores são os organismos que se alimentam de outros seres vivos. " +
    "Decompositores são os fungos e as bactérias que transformam a matéria orgânica morta em " +
    "nutrientes para o solo. Uma teia alimentar é o conjunto das cadeias alimentares ligadas entre si.",
  "Relações ecológicas\n\nMutualismo é a relação em que as duas espécies se beneficiam, como as " +
    "abelhas e as flores. Parasitismo é a relação em que uma espécie vive às custas da outra e a " +
    "prejudica, como o carrapato e o cão. Competição é a disputa entre seres vivos por recursos " +
    "limitados, como água, luz e alimento.",
  "Ciclos da matéria\n\nO ciclo do carbono é a circulação do carbono entre a atmosfera, os seres " +
    "vivos e o solo. A respiração celular devolve o gás carbônico para a atmosfera. O ciclo da água " +
    "é movido pela energia do sol, que provoca a evaporação dos rios e dos oceanos. A transpiração " +
    "das plantas também devolve vapor de água para a atmosfera.",
];

const tempDirs: string[] = [];
let backend: Process | undefined;
let frontend: Process | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let quizUrl = "";

/** A PDF with one page per string, made by the backend's own test helper (reportlab). */
function makePdf(dir: string, name: string, pages: string[]): string {
  const file = path.join(dir, name);
  const script = `
import json, sys
sys.path.insert(0, "tests")
from pathlib import Path
from utils.documents import make_pdf
make_pdf(Path(sys.argv[1]), json.loads(sys.argv[2]))
`;
  const result = spawnSync(
    path.join(BACKEND_DIR, ".venv", "bin", "python"),
    ["-c", script, file, JSON.stringify(pages)],
    { cwd: BACKEND_DIR, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`could not make the PDF: ${result.stderr}`);
  return file;
}

async function shot(name: string, target: Page = page) {
  await target.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}


/** From the study page: choose the tool and the count, create, and wait for the set to be ready. */
async function createSet(
  kind: "quiz" | "flashcards" | "guide",
  count: number,
  pages?: [number, number],
): Promise<void> {
  await page.goto(`${frontend!.url}/study`);
  await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
  await page.getByTestId(`study-kind-${kind}`).check();
  await page.getByTestId("study-scope").selectOption({ label: "ecologia.pdf (4 páginas)" });
  await page.getByTestId("study-count").fill(String(count));
  if (pages) {
    await page.getByTestId("study-page-from").fill(String(pages[0]));
    await page.getByTestId("study-page-to").fill(String(pages[1]));
  }
  await page.getByTestId("study-submit").click();
  const view = page.getByTestId("study-set-view");
  await view.waitFor({ state: "visible", timeout: 15_000 });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await view.getAttribute("data-status");
    if (status === "ready") break;
    if (status === "failed" || (await page.getByTestId("error-message").count()) > 0) {
      throw new Error(`the ${kind} was not built: ${await view.innerText()}`);
    }
    if (Date.now() > deadline) throw new Error(`the ${kind} is still ${status} after 120 s`);
    await page.waitForTimeout(250);
  }
  expect(await view.getAttribute("data-kind")).toBe(kind);
  expect(new URL(page.url()).searchParams.get("set")).toBeTruthy();
}

/** The cited page a source button names ("p. 3"), and the viewer opened on it at the passage. */
async function openCitation(source: ReturnType<Page["getByTestId"]>): Promise<void> {
  const pageNumber = /p\.\s*(\d+)/.exec((await source.textContent()) ?? "")?.[1];
  expect(pageNumber, "the citation names its page").toBeTruthy();
  await source.click();
  await expectSourceAt(page, pageNumber!);
}

beforeAll(async () => {
  const dataDir = tempDir("chatgepeto-e2e-study-");
  const pdfDir = tempDir("chatgepeto-e2e-study-pdf-");
  tempDirs.push(dataDir, pdfDir);
  [backend, frontend, browser] = await startStack(inject("backendPort"), dataDir, { name: "backend-study" });
  // The teacher's part, through the API: a collection and the PDF, ingested.
  const collection = await createCollection(backend.url, ADMIN_TOKEN, COLLECTION);
  const pdf = makePdf(pdfDir, "ecologia.pdf", ECOLOGY_PAGES);
  await waitUntilReady(backend.url, await uploadPdf(backend.url, ADMIN_TOKEN, collection.id, pdf));

  context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

afterEach(async (test) => {
  if (test.task.result?.state !== "fail" || !page) return;
  await keepScreen(page, `failed-study-${fileName(test.task.name)}`);
});

afterAll(async () => {
  await context?.close();
  await stopStack(browser, [frontend, backend], tempDirs);
});

describe("the study tools in a browser", () => {
  test("the study page: the material, the tools, no sets yet", async () => {
    await page.goto(`${frontend!.url}/study`);
    await page.getByRole("heading", { level: 1, name: "Estudar" }).waitFor();
    await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
    await page.getByTestId("study-sets-empty").waitFor({ state: "visible" });
    await expect
      .poll(() => page.getByTestId("study-scope").locator("option").allTextContents())
      .toEqual(["A coleção inteira", "ecologia.pdf (4 páginas)"]);
    await shot("study-empty");
    await checkAccessibility(page, "study-empty");
  });

  test("a quiz: built, answered, scored, with feedback and a citation opened at its page", async () => {
    await createSet("quiz", 5);
    quizUrl = page.url();
    expect(await page.getByTestId("study-mode").count()).toBe(1); // extractive: no LLM here
    const questions = page.getByTestId("quiz-question");
    const total = await questions.count();
    expect(total).toBeGreaterThan(0);
    await checkAccessibility(page, "study-quiz");
    // Answer every question: the first choice, or a word for a short answer.
    for (let i = 0; i < total; i++) {
      const question = questions.nth(i);
      if ((await question.getAttribute("data-kind")) === "short") {
        await question.getByTestId("quiz-short-answer").fill("fotossíntese");
      } else {
        await question.getByRole("radio").first().check();
      }
    }
    await shot("study-quiz-answered");
    await page.getByTestId("quiz-submit").click();
    const score = page.getByTestId("quiz-score");
    await score.waitFor({ state: "visible", timeout: 30_000 });
    expect(await score.textContent()).toMatch(new RegExp(`Você acertou \\d+ de ${total} \\(\\d+%\\)`));
    // The score is announced, and focus went to the result.
    expect(await page.getByTestId("quiz-live").textContent()).toBe(await score.textContent());
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("quiz-result-title");
    // Each question says whether it was right; the wrong ones say the right answer.
    expect(await page.getByTestId("quiz-feedback").count()).toBe(total);
    const results = await questions.evaluateAll((els) => els.map((e) => e.getAttribute("data-result")));
    expect(results.every((r) => r === "correct" || r === "incorrect")).toBe(true);
    const wrong = results.filter((r) => r === "incorrect").length;
    expect(await page.getByTestId("quiz-right-answer").count()).toBe(wrong);
    await page.getByTestId("quiz-history-item").first().waitFor({ state: "visible" });
    await shot("study-quiz-result");
    await checkAccessibility(page, "study-quiz-result");

    await openCitation(questions.first().getByTestId("source-item").first());
    await shot("study-quiz-citation");
    await page.keyboard.press("Escape");
    await page.getByTestId("source-panel").waitFor({ state: "hidden" });

    // Taken again: a clean slate.
    await page.getByTestId("quiz-retake").click();
    expect(await page.getByTestId("quiz-feedback").count()).toBe(0);
    expect(await page.getByTestId("quiz-submit").isEnabled()).toBe(true);
  });

  test("flashcards: the due card flipped and reviewed, with when it comes back", async () => {
    await createSet("flashcards", 4);
    const card = page.getByTestId("flashcard");
    await card.waitFor({ state: "visible", timeout: 15_000 });
    expect(await page.getByTestId("cards-due").textContent()).toMatch(/\d+ cart(ão|ões) para revisar agora/);
    const term = await page.getByTestId("flashcard-term").textContent();
    expect(term?.trim()).toBeTruthy();
    await checkAccessibility(page, "study-flashcard");
    // The keyboard flips it.
    await page.getByTestId("flashcard-flip").focus();
    await page.keyboard.press("Enter");
    expect(await card.getAttribute("data-side")).toBe("definition");
    expect((await page.getByTestId("flashcard-definition").textContent())?.trim()).toBeTruthy();
    await shot("study-flashcard-flipped");
    await checkAccessibility(page, "study-flashcard-flipped");
    await page.getByTestId("rate-good").click();
    await expect
      .poll(() => page.getByTestId("cards-announce").textContent(), { timeout: 15_000 })
      .toContain(`Próxima revisão de “${term!.trim()}”`);
    // That card is not new anymore in the list of all cards.
    const row = page.getByTestId("card-row").filter({ hasText: term!.trim() });
    expect(await row.getByTestId("card-due").textContent()).toMatch(/^Revisar em/);
  });

  test("a study guide of pages 2–3: topics with summaries and citations that open the viewer", async () => {
    await createSet("guide", 3, [2, 3]);
    const topics = page.getByTestId("guide-topic");
    expect(await topics.count()).toBeGreaterThan(0);
    // Only the chosen pages are cited.
    const cited = (await page.getByTestId("source-item").allTextContents()).map((t) =>
      Number(/p\.\s*(\d+)/.exec(t)?.[1]),
    );
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.every((n) => n >= 2 && n <= 3), `cited pages ${cited}`).toBe(true);
    expect((await topics.first().getByRole("heading", { level: 2 }).textContent())?.trim()).toBeTruthy();
    await shot("study-guide");
    await checkAccessibility(page, "study-guide");
    await openCitation(topics.first().getByTestId("source-item").first());
    await page.keyboard.press("Escape");
  });

  test("the sets are listed to reopen, in English too", async () => {
    await page.goto(`${frontend!.url}/study`);
    await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
    const sets = page.getByTestId("study-set");
    await expect.poll(() => sets.count(), { timeout: 15_000 }).toBe(3);
    // Newest first.
    expect(await sets.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")))).toEqual([
      "guide",
      "flashcards",
      "quiz",
    ]);
    await sets.last().getByTestId("open-study-set").click();
    await page.getByTestId("quiz-question").first().waitFor({ state: "visible" });
    await page.getByTestId("language-switch").selectOption("en");
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("en");
    await expect.poll(() => page.getByTestId("study-back").textContent()).toContain("Back to the study sets");
    await page.getByTestId("language-switch").selectOption("pt-BR");
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("pt-BR");
  });

  test("phone width, dark theme: the quiz fits 360 px", async () => {
    const phone = await browser!.newContext({
      locale: "pt-BR",
      viewport: { width: 360, height: 740 },
      colorScheme: "dark",
    });
    const p = await phone.newPage();
    for (const url of [`${frontend!.url}/study`, quizUrl]) {
      await p.goto(url);
      await p.getByTestId(url === quizUrl ? "quiz-question" : "study-create").first().waitFor();
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(url === quizUrl ? "study-quiz-phone-dark" : "study-phone-dark", p);
      await checkAccessibility(p, url === quizUrl ? "study-quiz-phone-dark" : "study-phone-dark");
    }
    await phone.close();
  });

  test("the chat's tutor switch sends tutor: true; the full answer is asked for without it", async () => {
    const bodies: Record<string, unknown>[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/api/ask") && request.method() === "POST") {
        bodies.push(JSON.parse(request.postData() ?? "{}"));
      }
    });
    await page.goto(frontend!.url);
    await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
    const toggle = page.getByRole("switch", { name: /Modo tutor/ });
    await toggle.check();
    await page.getByTestId("composer").fill("O que é mutualismo?");
    await page.getByTestId("composer").press("Enter");
    const answer = page.getByTestId("assistant-message").first();
    await answer.waitFor({ state: "visible", timeout: 60_000 });
    await expect.poll(() => answer.getAttribute("data-state"), { timeout: 60_000 }).toBe("done");
    expect(bodies[0]).toMatchObject({ question: "O que é mutualismo?", tutor: true });
    await checkAccessibility(page, "chat-tutor");
    await shot("chat-tutor");

    await page.getByTestId("tutor-reveal").click();
    await expect.poll(() => page.getByTestId("assistant-message").count(), { timeout: 60_000 }).toBe(2);
    await expect
      .poll(() => page.getByTestId("assistant-message").last().getAttribute("data-state"), { timeout: 60_000 })
      .toBe("done");
    expect(bodies[1]).toMatchObject({ question: "O que é mutualismo?" });
    expect(bodies[1]).not.toHaveProperty("tutor");
    expect(bodies[1].conversation_id).toBeTruthy();
    // The switch is remembered.
    await page.reload();
    await expect.poll(() => page.getByRole("switch", { name: /Modo tutor/ }).isChecked()).toBe(true);
  });
});
