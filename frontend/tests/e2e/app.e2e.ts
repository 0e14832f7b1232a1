/**
 * The whole product in a browser: a teacher uploads a generated PDF, a student asks, sees the
 * answer stream in with citations, opens the cited page, switches language and finds the
 * conversation again after a reload, which another browser cannot see. First in extractive
 * mode (no LLM), then with the fake Groq server; last with the backend down. Screenshots and
 * figures go to test-results/e2e/.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { waitUntilOk } from "./api";
import { checkAccessibility, expectSourceAt, fileName, keepScreen } from "./checks";
import {
  ADMIN_TOKEN,
  ARTIFACTS,
  makeBiologyPdf,
  startBackend,
  startFakeGroq,
  startStack,
  stopStack,
  tempDir,
  type Process,
} from "./stack";

const QUESTION = "Quais são as causas da seleção natural?";
const ID_COOKIE = "chatgepeto_uid";
const FIRST_PAGE_JS_BUDGET_KB = 200;
const figures: Record<string, unknown> = {};
const tempDirs: string[] = [];
// Content-Security-Policy violations the browser reported on any page of the main context.
const cspViolations: string[] = [];
const CSP_MESSAGE = /Content Security Policy|Refused to (load|execute|apply|evaluate|connect|frame|create)/i;

let backendPort: number;
let dataDir: string;
let backend: Process | undefined;
let fakeGroq: Process | undefined;
let frontend: Process;
let browser: Browser;
let context: BrowserContext;
let page: Page;

async function shot(name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Ask, and return the milliseconds from pressing Enter to the new answer's first visible text. */
async function ask(question: string): Promise<number> {
  const before = await page.getByTestId("assistant-message").count();
  await page.getByTestId("composer").fill(question);
  const started = Date.now();
  await page.getByTestId("composer").press("Enter");
  try {
    await page.waitForFunction(
      (n) => {
        const answer = document.querySelectorAll('[data-testid="assistant-message"]')[n];
        return !!answer && (answer.textContent ?? "").trim().length > 0;
      },
      before,
      { polling: "raf", timeout: 60_000 },
    );
  } catch (error) {
    // Say what the page showed instead of an answer.
    const shown = await page.getByTestId("error-message").allTextContents();
    throw new Error(`no answer to "${question}" within 60 s; errors shown: ${JSON.stringify(shown)}`, {
      cause: error,
    });
  }
  return Date.now() - started;
}

const lastAnswer = () => page.getByTestId("assistant-message").last();

beforeAll(async () => {
  backendPort = inject("backendPort"); // the build is made once, in global-setup.ts
  dataDir = tempDir("chatgepeto-e2e-");
  tempDirs.push(dataDir);
  [backend, frontend, browser] = await startStack(backendPort, dataDir);
  context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
  context.on("console", (message) => {
    if (CSP_MESSAGE.test(message.text())) cspViolations.push(`${message.location().url}: ${message.text()}`);
  });
  page = await context.newPage();
});

// A failed step leaves a picture of the screen and its text, to see what the user saw.
afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !page) return;
  await keepScreen(page, `failed-${fileName(context.task.name)}`);
});

afterAll(async () => {
  writeFileSync(path.join(ARTIFACTS, "figures.json"), JSON.stringify(figures, null, 2));
  await stopStack(browser, [frontend, backend, fakeGroq], tempDirs);
});

describe("ChatGepeto in a browser", () => {
  test("first page: size and largest contentful paint", async () => {
    const scripts: number[] = [];
    const gzipped: number[] = [];
    const probe = await context.newPage();
    probe.on("response", async (response) => {
      if (response.request().resourceType() !== "script") return;
      const body = await response.body().catch(() => null);
      if (body) {
        scripts.push(body.length);
        gzipped.push(gzipSync(body).length);
      }
    });
    await probe.goto(frontend.url, { waitUntil: "networkidle" });
    const lcp = await probe.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1].startTime);
          }).observe({ type: "largest-contentful-paint", buffered: true });
          setTimeout(() => resolve(-1), 3000);
        }),
    );
    await probe.close();
    const kb = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / 102.4) / 10;
    figures.first_page_js_kb = kb(scripts);
    const gzipKb = kb(gzipped);
    figures.first_page_js_gzip_kb = gzipKb;
    figures.largest_contentful_paint_ms = Math.round(lcp);
    expect(scripts.length).toBeGreaterThan(0);
    // The same budget as the build's check (scripts/first-load-size.mjs), seen by the browser:
    // everything fetched before the page is idle, lazily loaded chunks included.
    expect(gzipKb).toBeLessThanOrEqual(FIRST_PAGE_JS_BUDGET_KB);
  });

  test("a teacher creates a collection and uploads a PDF that becomes ready", async () => {
    await page.goto(`${frontend.url}/documents`);
    await page.getByTestId("admin-token").fill(ADMIN_TOKEN);
    await page.getByTestId("admin-token").press("Enter");
    await page.getByTestId("collection-name").fill("Biologia Evolutiva");
    await page.getByTestId("create-collection").click();
    await page.getByTestId("collection-item").filter({ hasText: "Biologia Evolutiva" }).click();
    const pdfDir = tempDir("chatgepeto-pdf-");
    tempDirs.push(pdfDir);
    await page.getByTestId("file-input").setInputFiles(makeBiologyPdf(pdfDir));
    await expect
      .poll(() => page.locator('[data-testid="document-row"][data-status="ready"]').count(), {
        timeout: 90_000,
      })
      .toBe(1);
    await shot("documents");
    await checkAccessibility(page, "documents");
  });

  test("a student asks and sees an extractive answer with citations", async () => {
    await page.goto(frontend.url);
    await page.getByTestId("collection-picker").selectOption({ label: "Biologia Evolutiva" });
    await shot("chat-empty");
    await ask(QUESTION);
    await expect.poll(() => lastAnswer().getAttribute("data-state"), { timeout: 60_000 }).toBe("done");
    expect(await lastAnswer().textContent()).toMatch(/varia/i);
    await expect.poll(() => lastAnswer().getByTestId("mode-badge").count()).toBeGreaterThan(0);
    expect(await lastAnswer().getByTestId("citation-chip").count()).toBeGreaterThan(0);
    expect(await lastAnswer().getByTestId("source-item").count()).toBeGreaterThan(0);
    await shot("chat-answer");
    await checkAccessibility(page, "chat-answer");
  });

  test("the student is a signed HttpOnly cookie the backend set through the web app's origin", async () => {
    const cookies = (await context.cookies(frontend.url)).filter((c) => c.name === ID_COOKIE);
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/", secure: false });
    expect(cookie.domain).toBe(new URL(frontend.url).hostname);
    expect(cookie.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/); // payload.timestamp.signature
    // Script cannot read it, and the app keeps no id of its own.
    expect(await page.evaluate(() => document.cookie)).not.toContain(ID_COOKIE);
    expect(await page.evaluate(() => window.localStorage.getItem("chatgepeto.userId"))).toBeNull();
  });

  test("a citation opens the PDF at the cited page with the passage highlighted", async () => {
    await lastAnswer().getByTestId("citation-chip").first().click();
    const panel = await expectSourceAt(page, "2");
    await shot("source-viewer");
    await checkAccessibility(page, "source-viewer");
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "hidden" });
  });

  test("the interface switches to English", async () => {
    await page.getByTestId("language-switch").selectOption("en");
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("en");
    await expect.poll(() => page.getByRole("link", { name: "Documents" }).count()).toBe(1);
    await shot("chat-english");
  });

  test("history survives a reload and reopens the conversation", async () => {
    await page.goto(frontend.url);
    const item = page.getByTestId("history-item").first();
    await item.waitFor({ state: "visible" });
    await item.click();
    await expect.poll(() => page.getByTestId("user-message").first().textContent()).toContain(
      "seleção natural",
    );
    expect(await lastAnswer().getByTestId("citation-chip").count()).toBeGreaterThan(0);
    await page.getByTestId("language-switch").selectOption("pt-BR");
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("pt-BR");
  });

  test("another browser sees none of it, not even with the link or a forged cookie", async () => {
    const conversationId = new URL(page.url()).searchParams.get("c");
    expect(conversationId).toBeTruthy();
    const [real] = (await context.cookies(frontend.url)).filter((c) => c.name === ID_COOKIE);
    const cut = real.value.lastIndexOf(".") + 1; // the signature's first character: all data bits
    const flipped = real.value[cut] === "A" ? "B" : "A";
    const forged = [
      undefined, // a new browser
      `${real.value.slice(0, cut)}${flipped}${real.value.slice(cut + 1)}`, // tampered signature
      real.value.split(".")[0], // no signature
    ];
    for (const value of forged) {
      const other = await browser.newContext({ locale: "pt-BR" });
      if (value) await other.addCookies([{ name: ID_COOKIE, value, url: frontend.url }]);
      const p = await other.newPage();
      await p.goto(`${frontend.url}/?c=${conversationId}`);
      // The shared link: the backend answers 404, as for a conversation that does not exist.
      await p.getByTestId("error-message").first().waitFor({ state: "visible" });
      expect(await p.getByTestId("user-message").count()).toBe(0);
      await p.getByTestId("history-empty").waitFor({ state: "visible" });
      expect(await p.getByTestId("history-item").count()).toBe(0);
      // And the API through the web app's origin, as that browser: a 404 in the error format.
      const probe = await p.evaluate(async (id) => {
        const response = await fetch(`/api/conversations/${id}`, { method: "DELETE" });
        return { status: response.status, body: await response.json() };
      }, conversationId);
      expect(probe.status).toBe(404);
      expect(probe.body.error).toMatchObject({ code: "not_found" });
      expect(probe.body.error.request_id).toBeTruthy();
      // It was given an id of its own instead.
      const [mine] = (await other.cookies(frontend.url)).filter((c) => c.name === ID_COOKIE);
      expect(mine.value).not.toBe(real.value);
      await other.close();
    }
    // The owner still has it.
    await page.reload();
    await expect.poll(() => page.getByTestId("history-item").count()).toBeGreaterThan(0);
  });

  test("with an LLM the answer streams token by token; time to first token", async () => {
    await backend?.stop();
    fakeGroq = await startFakeGroq();
    backend = await startBackend(backendPort, dataDir, fakeGroq.url);
    await waitUntilOk(`${frontend.url}/api/ready`);
    await page.goto(frontend.url);
    // The restarted backend still knows the student (its secret is kept in the data folder).
    await page.getByTestId("history-item").first().waitFor({ state: "visible" });
    await page.getByTestId("collection-picker").selectOption({ label: "Biologia Evolutiva" });
    // Each question in a new conversation; the first after a restart also waits for the
    // embedding models to load, so it is not counted.
    const firstQuestion: number[] = [];
    const lengths = new Set<number>();
    for (let i = 0; i < 6; i++) {
      await page.getByTestId("new-chat").click();
      // The new conversation is empty before asking: `ask` counts the answers already shown,
      // and a previous answer still on screen made it wait for an answer that never came.
      await expect.poll(() => page.getByTestId("assistant-message").count()).toBe(0);
      const ms = await ask(`${QUESTION} (${i + 1})`);
      if (i > 0) firstQuestion.push(ms);
      while ((await lastAnswer().getAttribute("data-state")) !== "done") {
        lengths.add(((await lastAnswer().textContent()) ?? "").length);
        await page.waitForTimeout(15);
      }
    }
    // Token by token: the answer was seen at several lengths while it streamed.
    expect(lengths.size).toBeGreaterThan(3);
    // Follow-ups are first rewritten into a standalone question: one more LLM call.
    const followUp: number[] = [];
    for (let i = 0; i < 3; i++) {
      followUp.push(await ask(`E o que é deriva genética? (${i + 1})`));
      await expect.poll(() => lastAnswer().getAttribute("data-state"), { timeout: 60_000 }).toBe("done");
    }
    const summary = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { runs: sorted, median: sorted[Math.floor(sorted.length / 2)] };
    };
    figures.enter_to_first_token_ms = summary(firstQuestion);
    figures.enter_to_first_token_follow_up_ms = summary(followUp);
    figures.fake_groq_delay_first_ms = 300;
    expect(await lastAnswer().getByTestId("citation-chip").count()).toBeGreaterThan(0);
    await shot("chat-generated");
  });

  test("phone width, dark theme: the chat fits 375 px", async () => {
    const phone = await browser.newContext({
      locale: "pt-BR",
      viewport: { width: 375, height: 740 },
      colorScheme: "dark",
    });
    const p = await phone.newPage();
    await p.goto(frontend.url);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await p.screenshot({ path: path.join(ARTIFACTS, "chat-phone-dark.png") });
    await checkAccessibility(p, "chat-phone-dark");
    await phone.close();
  });

  test("security headers, and the Content-Security-Policy broke nothing above", async () => {
    const policies: string[] = [];
    for (const url of [frontend.url, `${frontend.url}/documents`]) {
      const response = await fetch(url);
      const policy = response.headers.get("content-security-policy") ?? "";
      policies.push(policy);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("object-src 'none'");
      const scriptSrc = policy.split(";").find((d) => d.trim().startsWith("script-src")) ?? "";
      expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/=]{16,}'/);
      expect(scriptSrc).not.toContain("unsafe-inline");
      expect(scriptSrc).not.toContain("unsafe-eval");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      // Every script in the page carries this response's nonce.
      const nonce = /'nonce-([^']+)'/.exec(scriptSrc)?.[1];
      const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      expect(scripts.filter((tag) => !tag.includes(`nonce="${nonce}"`))).toEqual([]);
    }
    expect(policies[0]).not.toBe(policies[1]); // a fresh nonce for every response
    // The API, through the web app's origin, says nosniff too.
    const api = await fetch(`${frontend.url}/api/health`);
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    figures.content_security_policy = policies[0].replace(/'nonce-[^']+'/g, "'nonce-…'");
    // Every page the steps above went through (documents, chat, extractive and streamed
    // answers, the PDF viewer, English, history, dark theme on a phone) without one violation.
    expect(cspViolations).toEqual([]);
  });

  test("markup that reached a page cannot run script: inline, a handler, another host", async () => {
    const probe = await context.newPage();
    const refused: string[] = [];
    probe.on("console", (message) => {
      if (CSP_MESSAGE.test(message.text())) refused.push(message.text());
    });
    // The real page with its real headers, as if an attacker's markup had made it into the HTML.
    await probe.route(`${frontend.url}/`, async (route) => {
      const response = await route.fetch();
      const injected = [
        '<script>window.__injected = "inline script"</script>',
        '<img src="data:," onerror="window.__injected = \'event handler\'">',
        '<script src="https://evil.example/x.js"></script>',
      ].join("");
      await route.fulfill({ response, body: (await response.text()).replace("</body>", `${injected}</body>`) });
    });
    await probe.goto(frontend.url);
    // The app's own, nonce'd scripts ran: the chat is there.
    await probe.getByTestId("composer").waitFor({ state: "visible" });
    await probe.waitForTimeout(500);
    expect(await probe.evaluate(() => (window as { __injected?: string }).__injected)).toBeUndefined();
    expect(refused.filter((m) => /inline script/i.test(m)).length).toBeGreaterThan(0);
    expect(refused.filter((m) => /inline event handler/i.test(m)).length).toBeGreaterThan(0);
    expect(refused.filter((m) => m.includes("evil.example")).length).toBeGreaterThan(0);
    await probe.close();
    // These were meant to be refused: not counted against the pages of the main context.
    cspViolations.length = 0;
  });

  test("the backend down: a clear message and a retry, not a blank screen", async () => {
    await backend?.stop();
    backend = undefined;
    await page.getByTestId("composer").fill("O que é deriva genética?");
    await page.getByTestId("composer").press("Enter");
    const error = page.getByTestId("error-message").last();
    await error.waitFor({ state: "visible", timeout: 30_000 });
    expect(await error.textContent()).toMatch(/fora do ar|servidor|server is down/i);
    expect(await error.getByRole("button").count()).toBeGreaterThan(0);
    await shot("error-backend-down");
  });
});
