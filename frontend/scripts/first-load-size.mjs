// After `next build`: the JavaScript a first visit of a route downloads before the page is
// interactive, gzipped, against a budget. Read from the build's manifests:
//   - build-manifest.json `rootMainFiles`: the framework (React, the Next.js runtime), on every page;
//   - the route's client reference manifest `entryJSFiles`: the chunks of the client components of
//     every segment file on the route's path (layout, page, error, global-error, not-found, …).
// `polyfillFiles` are left out: they are `nomodule` scripts that current browsers skip. Chunks
// loaded later by a dynamic import() (the markdown renderer, the chat engine, the PDF viewer) are
// not first-load JavaScript and are listed apart. The e2e test "first page: size and largest
// contentful paint" measures the same thing from Chromium's network log.
//
//   node scripts/first-load-size.mjs [--route /] [--budget-kb 200] [--json]
// NEXT_DIST_DIR picks the build (default .next). kB here are KiB (1024 bytes), gzip level 6
// (Node's default, as the e2e test). Exits 1 above the budget.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, process.env.NEXT_DIST_DIR ?? ".next");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const route = option("route", "/");
const budgetKb = Number(option("budget-kb", process.env.FIRST_LOAD_BUDGET_KB ?? "200"));
const asJson = process.argv.includes("--json");

if (!existsSync(path.join(dist, "build-manifest.json"))) {
  console.error(`${dist}/build-manifest.json is missing: run next build first`);
  process.exit(1);
}

/** The route's client reference manifest: a script that sets globalThis.__RSC_MANIFEST[page]. */
function clientManifest(routePath) {
  const page = routePath === "/" ? "/page" : `${routePath}/page`;
  const file = path.join(dist, "server", "app", `${page.slice(1)}_client-reference-manifest.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: is ${routePath} an app route?`);
  const sandbox = { globalThis: {} };
  sandbox.globalThis = sandbox;
  vm.runInNewContext(readFileSync(file, "utf8"), sandbox);
  return sandbox.__RSC_MANIFEST[page];
}

/** Segment files on the route's path: `[project]/src/app/layout`, `…/app/documents/page`, … */
function onPath(entry, routePath) {
  const match = entry.match(/\/app((?:\/[^/]+)*)\/[^/]+$/);
  if (!match) return false;
  const folder = match[1] || "/";
  const visible = folder.replace(/\/\([^/]+\)/g, "") || "/"; // route groups are not in the URL
  return visible === "/" || routePath === visible || routePath.startsWith(`${visible}/`);
}

const buildManifest = JSON.parse(readFileSync(path.join(dist, "build-manifest.json"), "utf8"));
const manifest = clientManifest(route);
const files = new Set(buildManifest.rootMainFiles);
for (const [entry, chunks] of Object.entries(manifest.entryJSFiles ?? {})) {
  if (onPath(entry, route)) for (const chunk of chunks) files.add(chunk);
}

const size = (file) => {
  const body = readFileSync(path.join(dist, file));
  return { file, bytes: body.length, gzip: gzipSync(body).length };
};
const first = [...files].map(size).sort((a, b) => b.gzip - a.gzip);
const chunkDir = path.join(dist, "static", "chunks");
const later = readdirSync(chunkDir)
  .filter((name) => name.endsWith(".js"))
  .map((name) => `static/chunks/${name}`)
  .filter((file) => !files.has(file) && !buildManifest.polyfillFiles.includes(file))
  .map(size)
  .sort((a, b) => b.gzip - a.gzip);

const kb = (bytes) => Math.round(bytes / 102.4) / 10;
const total = first.reduce((sum, f) => sum + f.gzip, 0);
const report = {
  route,
  first_load_js_gzip_kb: kb(total),
  first_load_js_kb: kb(first.reduce((sum, f) => sum + f.bytes, 0)),
  budget_gzip_kb: budgetKb,
  files: first.map((f) => ({ ...f, gzip_kb: kb(f.gzip) })),
  other_chunks: later.map((f) => ({ ...f, gzip_kb: kb(f.gzip) })),
};

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`First-load JavaScript of ${route} (gzipped, ${path.relative(root, dist)}):`);
  for (const f of first) console.log(`  ${String(kb(f.gzip)).padStart(7)} kB  ${f.file}`);
  console.log(`  ${String(kb(total)).padStart(7)} kB  total (budget ${budgetKb} kB)`);
  const lazy = later.slice(0, 6).map((f) => `${kb(f.gzip)} kB`).join(", ");
  console.log(`Loaded later or by other routes: ${later.length} chunks, the largest ${lazy}.`);
}
if (total > budgetKb * 1024) {
  console.error(
    `First-load JavaScript of ${route} is ${kb(total)} kB gzipped, over the ${budgetKb} kB budget.`,
  );
  process.exit(1);
}
