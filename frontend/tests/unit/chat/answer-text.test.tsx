import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AnswerText } from "@/components/chat/answer-text";
import { renderWithIntl } from "../intl";
import { citations } from "./sse";

describe("AnswerText", () => {
  it("shows the plain text with its chips at once, then the sanitized markdown once its chunk arrives", async () => {
    const onCite = vi.fn();
    const text = "A **seleção natural** [1].\n\nOutro parágrafo <script>alert(1)</script> [2].";
    const { container } = renderWithIntl(<AnswerText text={text} citations={citations} onCite={onCite} />);

    // Before the renderer: the paragraphs as they are, chips already working.
    const plain = screen.getByTestId("plain-answer");
    expect(plain.querySelectorAll("p")).toHaveLength(2);
    expect(plain).toHaveTextContent("A **seleção natural**");
    expect(container.querySelector("script")).toBeNull();
    await userEvent.click(within(plain).getAllByTestId("citation-chip")[1]);
    expect(onCite).toHaveBeenLastCalledWith(citations[1]);

    // The markdown renderer replaces it.
    expect(await screen.findByText("seleção natural", { selector: "strong" })).toBeInTheDocument();
    expect(screen.queryByTestId("plain-answer")).toBeNull();
    expect(screen.getAllByTestId("citation-chip").map((c) => c.textContent)).toEqual(["1", "2"]);
    expect(container.querySelector("script")).toBeNull();
    expect(container).toHaveTextContent("<script>alert(1)</script>");
  });

  it("renders straight away as markdown once the renderer has been loaded", () => {
    renderWithIntl(<AnswerText text="Já **carregado**." citations={[]} onCite={() => {}} />);
    expect(screen.queryByTestId("plain-answer")).toBeNull();
    expect(screen.getByText("carregado", { selector: "strong" })).toBeInTheDocument();
  });
});
