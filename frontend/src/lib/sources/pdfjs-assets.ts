/**
 * pdf.js's data files (character maps, standard fonts, image decoders), copied from pdfjs-dist
 * into public/pdfjs/ by scripts/copy-pdfjs-assets.mjs so nothing is fetched from a CDN.
 * Defined once, outside any component: react-pdf reloads the document when `options` changes.
 */
export const PDFJS_OPTIONS = {
  cMapUrl: "/pdfjs/cmaps/",
  cMapPacked: true,
  standardFontDataUrl: "/pdfjs/standard_fonts/",
  wasmUrl: "/pdfjs/wasm/",
} as const;
