import { describe, expect, it } from "vitest";
import {
  acceptAttribute,
  extensionOf,
  validateFiles,
  type UploadLimits,
} from "@/lib/documents/validate";

const MB = 1024 * 1024;
const limits: UploadLimits = {
  maxUploadMb: 2,
  maxUploadFiles: 3,
  supportedExtensions: [".pdf", ".docx", ".md", ".markdown", ".txt"],
};
const file = (name: string, size = 1000) => ({ name, size });

describe("extensionOf", () => {
  it("reads the last extension, lowercase", () => {
    expect(extensionOf("Aula 1.PDF")).toBe(".pdf");
    expect(extensionOf("notas.final.md")).toBe(".md");
    expect(extensionOf("LEIAME")).toBe("");
    expect(extensionOf(".bashrc")).toBe(".bashrc");
    expect(extensionOf("pasta.v2/arquivo")).toBe("");
  });
});

describe("validateFiles", () => {
  it("accepts supported files within the limits", () => {
    const files = [file("a.pdf"), file("b.DOCX"), file("c.md", 2 * MB)];
    expect(validateFiles(files, limits)).toEqual({ accepted: files, rejected: [] });
  });

  it("refuses unsupported extensions and names without one", () => {
    const { accepted, rejected } = validateFiles([file("foto.jpg"), file("LEIAME")], limits);
    expect(accepted).toEqual([]);
    expect(rejected.map((r) => [r.file.name, r.reason])).toEqual([
      ["foto.jpg", "unsupported_type"],
      ["LEIAME", "unsupported_type"],
    ]);
  });

  it("refuses empty files and files over the size limit", () => {
    const { rejected } = validateFiles([file("vazio.txt", 0), file("grande.pdf", 2 * MB + 1)], limits);
    expect(rejected.map((r) => r.reason)).toEqual(["empty", "too_large"]);
  });

  it("takes at most maxUploadFiles good files per drop", () => {
    const files = ["1.pdf", "x.exe", "2.pdf", "3.pdf", "4.pdf", "5.pdf"].map((n) => file(n));
    const { accepted, rejected } = validateFiles(files, limits);
    expect(accepted.map((f) => f.name)).toEqual(["1.pdf", "2.pdf", "3.pdf"]);
    expect(rejected.map((r) => [r.file.name, r.reason])).toEqual([
      ["x.exe", "unsupported_type"],
      ["4.pdf", "too_many"],
      ["5.pdf", "too_many"],
    ]);
  });

  it("compares extensions without case", () => {
    const upper = { ...limits, supportedExtensions: [".PDF"] };
    expect(validateFiles([file("a.pdf")], upper).accepted).toHaveLength(1);
  });
});

describe("acceptAttribute", () => {
  it("lists the extensions for <input accept>", () => {
    expect(acceptAttribute([".pdf", ".md"])).toBe(".pdf,.md");
  });
});
