/**
 * The processes an end-to-end run needs, started and stopped by the tests themselves:
 * the Flask backend (`chatgepeto serve`), the fake Groq server, a `next start` of a build
 * pointed at that backend, and Debian's Chromium driven by playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const FRONTEND_DIR = path.resolve(__dirname, "../..");
export const BACKEND_DIR = path.resolve(FRONTEND_DIR, "../backend");
export const ARTIFACTS = path.join(FRONTEND_DIR, "test-results", "e2e");
const VENV_BIN = path.join(BACKEND_DIR, ".venv", "bin");
export const ADMIN_TOKEN = "e2e-admin-token";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited (${child.exitCode})`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

export class Process {
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Variables for a child process; `undefined` removes one the tests inherited. */
type Env = Record<string, string | undefined>;

function launch(name: string, command: string, args: string[], env: Env, cwd: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  const child = spawn(command, args, { cwd, env: merged, stdio: "pipe" });
  const log = path.join(ARTIFACTS, `${name}.log`);
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => chunks.push(b));
  child.stderr?.on("data", (b: Buffer) => chunks.push(b));
  child.on("exit", () => writeFileSync(log, Buffer.concat(chunks)));
  return child;
}

/** The fake Groq server; with `reply`, every answer is that text (else derived from the prompt). */
export async function startFakeGroq({ reply }: { reply?: string } = {}): Promise<Process> {
  const port = await freePort();
  const args = ["fake-groq", "--port", String(port), "--delay-first", "0.3", "--delay-between", "0.02"];
  const child = launch(
    "fake-groq",
    path.join(VENV_BIN, "chatgepeto"),
    reply === undefined ? args : [...args, "--reply", reply],
    {},
    BACKEND_DIR,
  );
  const url = `http://127.0.0.1:${port}`;
  // The fake answers 404 on / but answers: any HTTP reply means it is up.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return new Process("fake-groq", child, url);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error("fake Groq did not start");
}

// Settings a fresh checkout does not have: a backend started with its defaults leaves them out
// even when the shell running the tests has them.
const NON_DEFAULT_SETTINGS = [
  "ADMIN_TOKEN",
  "SESSION_SECRET",
  "GROQ_API_KEY",
  "GROQ_BASE_URL",
  "GROQ_FALLBACK_MODEL",
  "OPENAI_BASE_URL",
  "DATABASE_URL",
  "REDIS_URL",
  "CHROMA_HOST",
  "S3_BUCKET",
  "EMBEDDING_MODEL",
  "EMBEDDING_BACKEND",
  "WORKERS",
  "THREADS",
  "LOG_LEVEL",
];

/**
 * `chatgepeto serve` on `port` with `dataDir`. Extractive, or generated with the fake Groq at
 * `groqBaseUrl`; with `defaults`, only the data folder and the address are set, as `make run`
 * starts it on a new machine (the admin token is then the one it writes in `dataDir`).
 */
export async function startBackend(
  port: number,
  dataDir: string,
  groqBaseUrl?: string,
  { defaults = false, name }: { defaults?: boolean; name?: string } = {},
): Promise<Process> {
  const offline: Env = { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", ANONYMIZED_TELEMETRY: "False" };
  const env: Env = defaults
    ? {
        ...Object.fromEntries(NON_DEFAULT_SETTINGS.map((key) => [key, undefined])),
        ...offline,
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
      }
    : {
        ...offline,
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        ADMIN_TOKEN,
        WORKERS: "1",
        THREADS: "8",
        LOG_LEVEL: "WARNING",
        GROQ_API_KEY: groqBaseUrl ? "e2e-fake-key" : "",
        GROQ_BASE_URL: groqBaseUrl ?? "",
      };
  const child = launch(
    name ?? (groqBaseUrl ? "backend-generated" : "backend-extractive"),
    path.join(VENV_BIN, "chatgepeto"),
    ["serve"],
    env,
    BACKEND_DIR,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/ready`, child, 180_000);
  return new Process("backend", child, url);
}

/** `next build` into .next-e2e with the rewrites pointed at `backendUrl`. */
export function buildFrontend(backendUrl: string): void {
  const result = spawnSync("npm", ["run", "build"], {
    cwd: FRONTEND_DIR,
    env: { ...process.env, BACKEND_URL: backendUrl, NEXT_DIST_DIR: ".next-e2e", NEXT_TELEMETRY_DISABLED: "1" },
    encoding: "utf8",
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, "next-build.log"), `${result.stdout}\n${result.stderr}`);
  if (result.status !== 0) throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`);
}

/** The standalone server of that build, as the container runs it (`npm start`). */
export async function startFrontend(): Promise<Process> {
  const port = await freePort();
  const child = launch(
    "next-start",
    "node",
    ["scripts/start.mjs"],
    { PORT: String(port), HOSTNAME: "127.0.0.1", NEXT_DIST_DIR: ".next-e2e", NEXT_TELEMETRY_DISABLED: "1" },
    FRONTEND_DIR,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, child, 60_000);
  return new Process("frontend", child, url);
}

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) throw new Error("Chromium not found: `make browser` installs Debian's chromium");
  return found;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * What every test file starts with, side by side: the backend on the port the build forwards to
 * (`startBackend`'s options), the web app and the browser.
 */
export function startStack(
  backendPort: number,
  dataDir: string,
  backend: { defaults?: boolean; name?: string } = {},
): Promise<[Process, Process, Browser]> {
  return Promise.all([startBackend(backendPort, dataDir, undefined, backend), startFrontend(), launchBrowser()]);
}

/** The browser closed, the processes stopped and the temporary folders removed, whatever started. */
export async function stopStack(
  browser: Browser | undefined,
  processes: (Process | undefined)[],
  dirs: (string | undefined)[],
): Promise<void> {
  await browser?.close();
  await Promise.all(processes.map((p) => p?.stop()));
  for (const dir of dirs) if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A three-page Portuguese PDF made by the backend's own test helper (reportlab). */
export function makeBiologyPdf(dir: string): string {
  const file = path.join(dir, "biologia-evolutiva.pdf");
  const script = `
import sys
sys.path.insert(0, "tests")
from pathlib import Path
from conftest import BIOLOGY_PAGES
from utils.documents import make_pdf
make_pdf(Path(sys.argv[1]), BIOLOGY_PAGES)
`;
  const result = spawnSync(path.join(VENV_BIN, "python"), ["-c", script, file], {
    cwd: BACKEND_DIR,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`could not make the PDF: ${result.stderr}`);
  return file;
}
