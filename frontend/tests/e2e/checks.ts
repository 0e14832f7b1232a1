/**
 * What the browser tests check on a page, and what they keep of it: axe-core's accessibility
 * rules, the source viewer opened at a cited page, and the screen of a failed step.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { ARTIFACTS } from "./stack";

/** axe-core's WCAG 2 A/AA rules on the current screen: no serious or critical violation. */
export async function checkAccessibility(target: Page, name: string): Promise<void> {
  // A soft navigation (the chat moves to its conversation's URL once an answer is done)
  // renders the head again: the rules run on the settled page, as a person sees it, not in
  // the moment its <title> is being replaced (axe once caught that moment: document-title).
  await target.waitForFunction(() => document.title.trim().length > 0, undefined, { timeout: 10_000 });
  const results = await new AxeBuilder({ page: target })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  writeFileSync(path.join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(results.violations, null, 2));
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  expect(serious, `accessibility of ${name}`).toEqual([]);
}

/** The source viewer, open at the cited page `pageNumber` with the passage highlighted. */
export async function expectSourceAt(target: Page, pageNumber: string): Promise<Locator> {
  const panel = target.getByTestId("source-panel");
  await panel.waitFor({ state: "visible" });
  await expect.poll(() => panel.getByTestId("source-page").textContent()).toContain(pageNumber);
  await expect
    .poll(() => panel.locator(".citation-highlight").count(), { timeout: 30_000 })
    .toBeGreaterThan(0);
  return panel;
}

/** A test's name as a file name. */
export function fileName(testName: string): string {
  return testName.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
}

/** A picture of the screen and its text as `name`.png/.txt, to see what the user saw. */
export async function keepScreen(target: Page, name: string): Promise<void> {
  await target.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => {});
  const text = await target.locator("body").innerText().catch(() => "");
  writeFileSync(path.join(ARTIFACTS, `${name}.txt`), `${target.url()}\n\n${text}`);
}
