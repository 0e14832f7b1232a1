/** A minimal view of the HTML syntax tree (hast) react-markdown hands to rehype plugins. */
export type HastText = { type: "text"; value: string };
export type HastRaw = { type: "raw"; value: string };
export type HastElement = {
  type: "element";
  tagName: string;
  properties: Record<string, unknown>;
  children: HastNode[];
};
export type HastNode =
  | HastText
  | HastRaw
  | HastElement
  | { type: string; value?: string; children?: HastNode[] };

/**
 * Raw HTML in an answer is shown as the literal text it is (a student may ask what `<div>`
 * means), never parsed: a rehype plugin to run before rehype-sanitize, which would drop it.
 */
export function rehypeRawAsText() {
  const visit = (node: HastNode): void => {
    if (!("children" in node) || !node.children) return;
    node.children = node.children.map((child): HastNode => {
      if (child.type === "raw") return { type: "text", value: (child as HastRaw).value };
      visit(child);
      return child;
    });
  };
  return visit;
}
