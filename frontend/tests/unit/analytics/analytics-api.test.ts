import { describe, expect, it } from "vitest";
import { attachmentName } from "@/lib/api/analytics";

describe("attachmentName", () => {
  it("reads the server's file name, or falls back", () => {
    expect(attachmentName('attachment; filename="analytics-bio.csv"', "x.csv")).toBe("analytics-bio.csv");
    expect(attachmentName("attachment; filename=plain.csv", "x.csv")).toBe("plain.csv");
    expect(attachmentName(null, "x.csv")).toBe("x.csv");
    expect(attachmentName("attachment", "x.csv")).toBe("x.csv");
  });
});
