/** Every message exists in both languages, with the same placeholders, and none is empty. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { LOCALES, NAMESPACES, resolveLocale } from "@/i18n/config";

type Tree = { [key: string]: string | Tree };

function load(locale: string, ns: string): Tree {
  const file = path.resolve(__dirname, "../../messages", locale, `${ns}.json`);
  return JSON.parse(readFileSync(file, "utf8"));
}

function flatten(tree: Tree, prefix = ""): Record<string, string> {
  return Object.entries(tree).reduce<Record<string, string>>((out, [key, value]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    return typeof value === "string" ? { ...out, [name]: value } : { ...out, ...flatten(value, name) };
  }, {});
}

const placeholders = (text: string) =>
  [...text.matchAll(/\{\s*(\w+)/g)].map((m) => m[1]).sort();

describe.each(NAMESPACES)("messages/%s", (ns) => {
  const [pt, en] = LOCALES.map((l) => flatten(load(l, ns)));

  test("both languages have the same keys", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(pt).sort());
  });

  test("no message is empty and placeholders match", () => {
    for (const key of Object.keys(pt)) {
      expect(pt[key].trim(), `pt-BR ${ns}.${key}`).not.toBe("");
      expect(en[key]?.trim(), `en ${ns}.${key}`).not.toBe("");
      expect(placeholders(en[key] ?? ""), `${ns}.${key}`).toEqual(placeholders(pt[key]));
    }
  });
});

describe("locale choice", () => {
  test("the cookie wins, then the browser's language, then pt-BR", () => {
    expect(resolveLocale("en", "pt-BR,pt;q=0.9")).toBe("en");
    expect(resolveLocale(undefined, "en-US,en;q=0.9")).toBe("en");
    expect(resolveLocale(undefined, "pt-PT")).toBe("pt-BR");
    expect(resolveLocale("xx", "de-DE,fr")).toBe("pt-BR");
    expect(resolveLocale(undefined, null)).toBe("pt-BR");
  });
});
