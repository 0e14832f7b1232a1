import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AnswerMarkdown } from "@/components/chat/answer-markdown";
import { renderWithIntl } from "../intl";
import { citations } from "./sse";

function renderAnswer(text: string) {
  return renderWithIntl(<AnswerMarkdown text={text} citations={citations} onCite={() => {}} />).container;
}

describe("answer markdown is inert", () => {
  it.each([
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "![p](https://evil.example/p.png)",
  ])("renders %s inertly", (text) => {
    const container = renderAnswer(text);
    expect(container.querySelector("script, img, iframe")).toBeNull();
    for (const el of container.querySelectorAll("*")) {
      for (const attr of el.getAttributeNames()) expect(attr).not.toMatch(/^on/i);
      expect(el.getAttribute("href") ?? "").not.toMatch(/^\s*javascript:/i);
    }
  });

  it("never creates a script, an event handler, a javascript: link or an image", () => {
    const container = renderAnswer(
      [
        "Olá <script>alert(1)</script>",
        "",
        "<img src=x onerror=alert(1)>",
        "",
        "[clique](javascript:alert(1)) e [outro](JAVASCRIPT:alert(2))",
        "",
        "![p](https://evil.example/p.png)",
        "",
        '<a href="javascript:alert(3)" onclick="alert(4)">html</a> [1]',
      ].join("\n"),
    );
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[onerror], [onclick]")).toBeNull();
    for (const a of container.querySelectorAll("a")) {
      expect(a.getAttribute("href") ?? "").not.toMatch(/^\s*javascript:/i);
    }
    for (const el of container.querySelectorAll("[href], [src]")) {
      expect(el.getAttribute("href") ?? el.getAttribute("src")).not.toMatch(/javascript:|evil\.example/i);
    }
    expect(container.innerHTML).not.toContain("evil.example");
    // The image becomes its alt text; raw HTML shows as plain text.
    expect(screen.getByText("p")).toBeInTheDocument();
    expect(container.textContent).toContain("<script>");
    // Chips still work next to all that.
    expect(screen.getByTestId("citation-chip")).toHaveTextContent("1");
  });

  it("opens real links in a new tab without opener, referrer or follow", () => {
    renderAnswer("Veja [o site](https://example.org/a) e https://example.org/b");
    const links = screen.getAllByRole("link");
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect(link).toHaveAttribute("target", "_blank");
      expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
    }
  });

  it("renders GitHub-flavoured markdown (tables, lists, emphasis)", () => {
    const container = renderAnswer("**Negrito**\n\n- um\n- dois\n\n| a | b |\n|---|---|\n| 1 | 2 |");
    expect(container.querySelector("strong")).toHaveTextContent("Negrito");
    expect(container.querySelectorAll("li")).toHaveLength(2);
    expect(container.querySelector("table")).not.toBeNull();
  });
});
