// After `next build`: put the static files beside the standalone server, as the container does,
// so `npm start` (node <distDir>/standalone/server.js) serves exactly what production serves.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const distDir = process.env.NEXT_DIST_DIR ?? ".next";
const standalone = path.join(root, distDir, "standalone");
if (!existsSync(path.join(standalone, "server.js"))) {
  console.error(`${standalone}/server.js is missing: run next build first`);
  process.exit(1);
}
for (const [from, to] of [
  [path.join(root, "public"), path.join(standalone, "public")],
  [path.join(root, distDir, "static"), path.join(standalone, distDir, "static")],
]) {
  rmSync(to, { recursive: true, force: true });
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
