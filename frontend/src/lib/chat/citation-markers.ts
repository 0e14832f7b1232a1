/**
 * `[1]`, `[1, 2]`, `[1][2]` in an answer's text become citation chips. Only numbers the answer's
 * citations define do; any other bracketed number stays as plain text.
 */
export type MarkerSegment = { type: "text"; value: string } | { type: "citation"; id: number };

const MARKER = /\[(\d+(?:\s*[,;]\s*\d+)*)\]/g;

export function splitCitationMarkers(text: string, known: ReadonlySet<number>): MarkerSegment[] {
  const segments: MarkerSegment[] = [];
  let pending = "";
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const ids = match[1].split(/\s*[,;]\s*/).map(Number);
    if (!ids.some((id) => known.has(id))) continue;
    pending += text.slice(last, match.index);
    for (const id of ids) {
      if (known.has(id)) {
        if (pending) segments.push({ type: "text", value: pending });
        pending = "";
        segments.push({ type: "citation", id });
      } else {
        pending += `[${id}]`;
      }
    }
    last = match.index + match[0].length;
  }
  pending += text.slice(last);
  if (pending) segments.push({ type: "text", value: pending });
  return segments;
}

import type { HastElement, HastNode, HastText } from "./hast";

/** The element a known marker becomes; the markdown renderer draws it as a chip. */
export const CITATION_TAG = "sup";
export const CITATION_ATTRIBUTE = "data-citation";
const CITATION_PROPERTY = "dataCitation";

// No chips inside code, or inside a link (a button in a link is not allowed).
const SKIP = new Set(["code", "pre", "a", "button"]);

function transform(node: HastNode, known: ReadonlySet<number>): void {
  if (!("children" in node) || !node.children) return;
  if (node.type === "element" && SKIP.has((node as HastElement).tagName)) return;
  const children: HastNode[] = [];
  for (const child of node.children) {
    if (child.type !== "text") {
      transform(child, known);
      children.push(child);
      continue;
    }
    for (const segment of splitCitationMarkers((child as HastText).value, known)) {
      children.push(
        segment.type === "text"
          ? { type: "text", value: segment.value }
          : {
              type: "element",
              tagName: CITATION_TAG,
              properties: { [CITATION_PROPERTY]: String(segment.id) },
              children: [{ type: "text", value: String(segment.id) }],
            },
      );
    }
  }
  node.children = children;
}

/**
 * A rehype plugin; run it after rehype-sanitize (sanitizing would strip the data attribute,
 * and the chips it makes are ours, not the model's).
 */
export function rehypeCitationMarkers(options: { ids: readonly number[] }) {
  const known = new Set(options.ids);
  return (tree: HastNode) => {
    if (known.size > 0) transform(tree, known);
  };
}
