import { describe, expect, it } from "vitest";
import { messages } from "./intl";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("chat and history messages", () => {
  it.each(["chat", "history"] as const)("%s has the same keys in pt-BR and en", (ns) => {
    expect(keys(messages.en[ns]).sort()).toEqual(keys(messages["pt-BR"][ns]).sort());
    expect(keys(messages["pt-BR"][ns]).length).toBeGreaterThan(5);
  });
});
