import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  findQuote,
  foldText,
  highlightHtml,
  splitByRanges,
  type Highlights,
} from "@/lib/sources/highlight";

/** The highlighted text of each item, to read a result at a glance. */
function marked(items: string[], highlights: Highlights): string[] {
  return [...highlights.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([item, ranges]) => ranges.map(({ start, end }) => items[item].slice(start, end)));
}

describe("foldText", () => {
  it("drops diacritics, case, spaces and punctuation", () => {
    expect(foldText("Seleção Natural, é!")).toBe("selecaonaturale");
  });

  it("expands ligatures and compatibility forms", () => {
    expect(foldText("eﬁciência ﬂuxo Ｆ²")).toBe("eficienciafluxof2");
  });

  it("treats combined and separate accents alike", () => {
    expect(foldText("a\u0301gua")).toBe(foldText("água"));
    expect(foldText("´agua")).toBe("agua");
  });
});

describe("findQuote", () => {
  it("finds a quote inside one item", () => {
    const items = ["A seleção natural age sobre a variação existente."];
    const result = findQuote(items, "seleção natural age");
    expect(result.get(0)).toEqual([{ start: 2, end: 21 }]);
    expect(marked(items, result)).toEqual(["seleção natural age"]);
  });

  it("finds a quote split across items, one range per item", () => {
    const items = ["Darwin propôs que a seleção ", "natural explica a ", "adaptação das espécies."];
    const result = findQuote(items, "a seleção natural explica a adaptação");
    expect(marked(items, result)).toEqual(["a seleção", "natural explica a", "adaptação"]);
    expect(result.get(0)).toEqual([{ start: 18, end: 27 }]);
  });

  it("matches accents written differently on each side", () => {
    const items = ["a evoluc\u0327a\u0303o das espe\u0301cies"];
    const result = findQuote(items, "evolução das espécies");
    expect(marked(items, result)).toEqual(["evoluc\u0327a\u0303o das espe\u0301cies"]);
  });

  it("matches ligatures in the PDF text", () => {
    const items = ["a deﬁnição de ﬂuxo gênico"];
    expect(marked(items, findQuote(items, "definição de fluxo gênico"))).toEqual([
      "deﬁnição de ﬂuxo gênico",
    ]);
  });

  it("ignores missing spaces between words and items", () => {
    const items = ["A deriva", "gênicaé aleatória"];
    expect(marked(items, findQuote(items, "deriva gênica é aleatória"))).toEqual([
      "deriva",
      "gênicaé aleatória",
    ]);
  });

  it("ignores hyphenation at line ends", () => {
    const items = ["a especia-", "ção alopátrica ocorre"];
    expect(marked(items, findQuote(items, "especiação alopátrica"))).toEqual([
      "especia",
      "ção alopátrica",
    ]);
  });

  it("ignores case and punctuation differences", () => {
    const items = ["“MUTAÇÕES” – são a fonte; de variação."];
    expect(marked(items, findQuote(items, "mutações são a fonte de variação"))).toEqual([
      "MUTAÇÕES” – são a fonte; de variação",
    ]);
  });

  it("prefers an occurrence on word boundaries", () => {
    const items = ["o cromossomo", "o cromo e o ossomo", "cromo"];
    const result = findQuote(items, "cromo");
    expect([...result.keys()]).toEqual([1]);
    expect(result.get(1)).toEqual([{ start: 2, end: 7 }]);
  });

  it("falls back to the longest run of consecutive quote words", () => {
    const items = ["Na especiação simpátrica as populações divergem sem isolamento geográfico."];
    const quote = "Na especiação alopátrica as populações divergem sem isolamento geográfico.";
    expect(marked(items, findQuote(items, quote))).toEqual([
      "as populações divergem sem isolamento geográfico",
    ]);
  });

  it("keeps every long enough run when the quote differs in the middle", () => {
    const items = [
      "O DNA mitocondrial é herdado da mãe em quase todos os animais, ",
      "por isso ele serve para traçar linhagens maternas antigas.",
    ];
    const quote =
      "O DNA mitocondrial é herdado da mãe em quase todos os mamíferos, por isso ele serve para traçar linhagens maternas";
    expect(marked(items, findQuote(items, quote))).toEqual([
      "O DNA mitocondrial é herdado da mãe em quase todos os",
      "por isso ele serve para traçar linhagens maternas",
    ]);
  });

  it("never highlights scattered single words", () => {
    const items = ["A célula tem membrana. O núcleo guarda DNA. A mitocôndria produz energia."];
    const quote = "A membrana do núcleo produz DNA e energia";
    expect(findQuote(items, quote).size).toBe(0);
  });

  it("needs at least four words for a partial match", () => {
    const items = ["a seleção natural atua sempre"];
    expect(findQuote(items, "seleção natural atua raramente nas ilhas").size).toBe(0);
    expect(
      marked(items, findQuote(["a seleção natural atua sempre"], "a seleção natural atua raramente")),
    ).toEqual(["a seleção natural atua"]);
  });

  it("returns nothing when the quote is not on the page", () => {
    expect(findQuote(["Fotossíntese ocorre nos cloroplastos."], "A mitose divide a célula").size).toBe(0);
  });

  it("returns nothing for an empty quote or page", () => {
    expect(findQuote(["texto"], "").size).toBe(0);
    expect(findQuote(["texto"], " — … ").size).toBe(0);
    expect(findQuote([], "texto").size).toBe(0);
  });

  it("maps back through characters outside the BMP", () => {
    const items = ["𝐀 célula 𝐁 viva"];
    const result = findQuote(items, "célula B viva");
    expect(marked(items, result)).toEqual(["célula 𝐁 viva"]);
  });
});

describe("splitByRanges", () => {
  it("cuts a string into plain and highlighted parts", () => {
    expect(splitByRanges("abcdef", [{ start: 1, end: 3 }])).toEqual([
      { text: "a", highlighted: false },
      { text: "bc", highlighted: true },
      { text: "def", highlighted: false },
    ]);
    expect(splitByRanges("abc")).toEqual([{ text: "abc", highlighted: false }]);
  });
});

describe("highlightHtml", () => {
  it("escapes the text and marks the ranges", () => {
    expect(highlightHtml('x < y & "z"', [{ start: 4, end: 5 }])).toBe(
      'x &lt; <mark class="citation-highlight">y</mark> &amp; &quot;z&quot;',
    );
  });

  it("never lets the PDF text inject markup", () => {
    const html = highlightHtml("<img src=x onerror=alert(1)>", [{ start: 0, end: 4 }]);
    expect(html).not.toContain("<img");
    expect(html).toBe('<mark class="citation-highlight">&lt;img</mark> src=x onerror=alert(1)&gt;');
  });

  it("leaves an item without ranges as escaped text", () => {
    expect(highlightHtml("a'b")).toBe("a&#39;b");
    expect(escapeHtml("<&>")).toBe("&lt;&amp;&gt;");
  });
});

describe("findQuote and the quote's own punctuation", () => {
  it("includes the punctuation the quote starts and ends with", () => {
    const items = ["Ele disse: “A vida evolui.” E saiu."];
    expect(marked(items, findQuote(items, "“A vida evolui.”"))).toEqual(["“A vida evolui.”"]);
    expect(marked(items, findQuote(items, "A vida evolui."))).toEqual(["A vida evolui."]);
    expect(marked(items, findQuote(items, "A vida evolui"))).toEqual(["A vida evolui"]);
  });

  it("does not run over punctuation the quote does not have there", () => {
    const items = ["fim... começo"];
    expect(marked(items, findQuote(items, "fim."))).toEqual(["fim."]);
  });
});
