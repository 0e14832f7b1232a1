// Copy pdf.js's data files (character maps, standard fonts, image decoders) from pdfjs-dist
// into public/pdfjs/, so the PDF viewer never fetches them from a CDN. Run before dev and build;
// the copy is ignored by git (public/pdfjs/ in .gitignore).
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const source = path.dirname(require.resolve("pdfjs-dist/package.json"));
const { version } = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8"));
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "public", "pdfjs");
const stamp = path.join(target, "VERSION");

if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === version) process.exit(0);

rmSync(target, { recursive: true, force: true });
for (const folder of ["cmaps", "standard_fonts", "wasm"]) {
  cpSync(path.join(source, folder), path.join(target, folder), { recursive: true });
}
writeFileSync(stamp, `${version}\n`);
console.log(`pdf.js ${version} assets copied to public/pdfjs/`);
