/**
 * Find a cited quote in a page's text, robustly, and say which characters to highlight.
 *
 * The quote comes from our own text extraction, the page text from pdf.js (or the chunk itself),
 * and the two rarely agree character for character: accents may be combined or separate, "ﬁ"
 * may be one ligature, a word may be hyphenated at a line end, spaces may be missing between
 * words or items. So both sides are folded to letters and digits only (NFKD, no diacritics,
 * lowercase, no spaces or punctuation) and matched there; every folded character remembers
 * where it came from so a match maps back to ranges inside the original strings.
 */

/** A highlighted range inside one text item: UTF-16 offsets, `end` exclusive. */
export type TextRange = { start: number; end: number };
/** Item index → the ranges to highlight in that item, in order. */
export type Highlights = Map<number, TextRange[]>;

/** The fallback never highlights fewer consecutive quote words than this... */
export const MIN_RUN_WORDS = 4;
/** ...nor a run this short once folded (four one-letter words could match anywhere). */
export const MIN_RUN_CHARS = 15;

const KEEP = /[\p{L}\p{N}]/u;
const MARKS = /\p{M}/gu;

/** Letters and digits of one character, without diacritics, lowercased ("É" → "e", "ﬁ" → "fi"). */
function fold(char: string): string {
  let out = "";
  for (const c of char.normalize("NFKD").replace(MARKS, "").toLowerCase()) {
    if (KEEP.test(c)) out += c;
  }
  return out;
}

/** Fold a whole string: what the matcher compares. */
export function foldText(text: string): string {
  let out = "";
  for (const char of text) out += fold(char);
  return out;
}

type Folded = {
  text: string;
  /** For each folded character: its item, and its source character's offsets in that item. */
  item: number[];
  start: number[];
  end: number[];
  /** Whether a word starts at this folded character (a separator or item boundary before it). */
  wordStart: boolean[];
};

function foldItems(items: readonly string[]): Folded {
  const folded: Folded = { text: "", item: [], start: [], end: [], wordStart: [] };
  let separated = true;
  items.forEach((str, index) => {
    separated = true;
    let offset = 0;
    for (const char of str) {
      const out = fold(char);
      for (const c of out) {
        folded.text += c;
        folded.item.push(index);
        folded.start.push(offset);
        folded.end.push(offset + char.length);
        folded.wordStart.push(separated);
        separated = false;
      }
      if (!out) separated = true;
      offset += char.length;
    }
  });
  return folded;
}

function isWordEnd(page: Folded, end: number): boolean {
  return end >= page.text.length || page.wordStart[end];
}

/** Where `needle` occurs in the page: the first whole-word occurrence, else the first at all. */
function locate(page: Folded, needle: string): number {
  const first = page.text.indexOf(needle);
  if (first < 0) return -1;
  for (let at = first; at >= 0; at = page.text.indexOf(needle, at + 1)) {
    if (page.wordStart[at] && isWordEnd(page, at + needle.length)) return at;
  }
  return first;
}

/** Mark folded characters [from, to): one range per item, spaces and punctuation between included. */
function addSpan(page: Folded, from: number, to: number, highlights: Highlights): void {
  let current: TextRange | null = null;
  for (let k = from; k < to; k++) {
    const item = page.item[k];
    if (current && page.item[k - 1] === item) {
      current.end = Math.max(current.end, page.end[k]);
      continue;
    }
    current = { start: page.start[k], end: page.end[k] };
    highlights.set(item, [...(highlights.get(item) ?? []), current]);
  }
}

/** Sort each item's ranges and merge the ones that touch or overlap. */
function tidy(highlights: Highlights): Highlights {
  for (const [item, ranges] of highlights) {
    const merged: TextRange[] = [];
    for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
      const last = merged.at(-1);
      if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
      else merged.push({ ...range });
    }
    highlights.set(item, merged);
  }
  return highlights;
}

const PUNCTUATION = /^\p{P}$/u;

/** The punctuation a string starts and ends with ("“Sim.”" → 1 and 2): no letters, digits or spaces. */
function edgePunctuation(text: string): [number, number] {
  const chars = [...text.trim()];
  const lead = chars.findIndex((c) => !PUNCTUATION.test(c));
  if (lead < 0) return [0, 0];
  const trail = [...chars].reverse().findIndex((c) => !PUNCTUATION.test(c));
  return [lead, trail];
}

/**
 * Widen a found quote's first and last ranges over the punctuation the quote itself starts or
 * ends with (an opening quote mark, a final full stop), when the page has it right there.
 */
function widenOverPunctuation(
  items: readonly string[],
  page: Folded,
  from: number,
  to: number,
  quote: string,
  highlights: Highlights,
): void {
  const [lead, trail] = edgePunctuation(quote);
  const first = highlights.get(page.item[from])?.[0];
  const lastRanges = highlights.get(page.item[to - 1]);
  const last = lastRanges?.[lastRanges.length - 1];
  const firstText = items[page.item[from]];
  const lastText = items[page.item[to - 1]];
  for (let n = 0; first && n < lead && first.start > 0; n++) {
    const before = firstText.slice(0, first.start);
    const char = [...before].at(-1) ?? "";
    if (!PUNCTUATION.test(char)) break;
    first.start -= char.length;
  }
  for (let n = 0; last && n < trail && last.end < lastText.length; n++) {
    const char = [...lastText.slice(last.end)][0];
    if (!PUNCTUATION.test(char)) break;
    last.end += char.length;
  }
}

/** The quote's words, folded, without the ones that fold to nothing (dashes, bullets). */
function quoteWords(quote: string): string[] {
  return quote
    .split(/\s+/)
    .map(foldText)
    .filter((word) => word.length > 0);
}

/**
 * What to highlight for `quote` among a page's text items (their strings, in reading order).
 *
 * The whole quote when it is on the page; otherwise every run of at least MIN_RUN_WORDS
 * consecutive quote words found on the page (the longest first wins where they overlap);
 * otherwise nothing — never scattered single words.
 */
export function findQuote(items: readonly string[], quote: string): Highlights {
  const highlights: Highlights = new Map();
  const words = quoteWords(quote);
  if (words.length === 0) return highlights;
  const page = foldItems(items);

  const whole = words.join("");
  const at = locate(page, whole);
  if (at >= 0) {
    addSpan(page, at, at + whole.length, highlights);
    widenOverPunctuation(items, page, at, at + whole.length, quote, highlights);
    return highlights;
  }

  // Maximal runs of consecutive words found on the page, left to right, without overlap.
  const found = (from: number, to: number) => page.text.includes(words.slice(from, to).join(""));
  const runs: Array<[number, number]> = [];
  let end = 0;
  for (let from = 0; from < words.length; from++) {
    end = Math.max(end, from);
    while (end < words.length && found(from, end + 1)) end++;
    const needle = words.slice(from, end).join("");
    if (end - from >= MIN_RUN_WORDS && needle.length >= MIN_RUN_CHARS) {
      runs.push([from, end]);
      from = end - 1;
    }
  }
  for (const [from, to] of runs) {
    const needle = words.slice(from, to).join("");
    const start = locate(page, needle);
    addSpan(page, start, start + needle.length, highlights);
  }
  return tidy(highlights);
}

/** A string cut into plain and highlighted pieces, for rendering with React elements. */
export function splitByRanges(
  text: string,
  ranges: readonly TextRange[] = [],
): Array<{ text: string; highlighted: boolean }> {
  const parts: Array<{ text: string; highlighted: boolean }> = [];
  let cursor = 0;
  for (const { start, end } of ranges) {
    if (start > cursor) parts.push({ text: text.slice(cursor, start), highlighted: false });
    if (end > start) parts.push({ text: text.slice(start, end), highlighted: true });
    cursor = Math.max(cursor, end);
  }
  if (cursor < text.length) parts.push({ text: text.slice(cursor), highlighted: false });
  return parts;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

export const HIGHLIGHT_CLASS = "citation-highlight";

/** A text item as HTML for react-pdf's customTextRenderer: escaped, with the ranges marked. */
export function highlightHtml(text: string, ranges: readonly TextRange[] = []): string {
  return splitByRanges(text, ranges)
    .map((part) =>
      part.highlighted
        ? `<mark class="${HIGHLIGHT_CLASS}">${escapeHtml(part.text)}</mark>`
        : escapeHtml(part.text),
    )
    .join("");
}
