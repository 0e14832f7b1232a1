import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { GuideView } from "@/components/study/guide-view";
import type { StudyItem } from "@/lib/api/study";
import { cite } from "./fixtures";
import { renderStudy } from "./render";

const topic = (id: string, position: number, prompt: string, answer: string): StudyItem => ({
  id,
  position,
  kind: "topic",
  prompt,
  answer,
  choices: [],
  explanation: null,
  citations: [cite(1, position + 1, `${prompt}…`)],
});

describe("GuideView", () => {
  it("shows the topics in order with their summaries and citations that open the viewer", async () => {
    const onCite = vi.fn();
    const items = [
      topic("t2", 1, "Seleção natural", "Indivíduos com variações favoráveis deixam mais descendentes."),
      topic("t1", 0, "Evolução biológica", "Mudança nas características hereditárias."),
      topic("t3", 2, "Deriva genética", "Mudança aleatória nas frequências alélicas."),
    ];
    renderStudy(<GuideView items={items} onCite={onCite} />);
    const list = screen.getByRole("list", { name: "Tópicos do roteiro de estudo" });
    const topics = within(list).getAllByTestId("guide-topic");
    expect(topics.map((t) => within(t).getByRole("heading", { level: 2 }).textContent)).toEqual([
      "Evolução biológica",
      "Seleção natural",
      "Deriva genética",
    ]);
    expect(topics[1]).toHaveAccessibleName("Seleção natural");
    expect(topics[1]).toHaveTextContent("Indivíduos com variações favoráveis deixam mais descendentes.");
    await userEvent.setup().click(within(topics[2]).getByTestId("source-item"));
    expect(onCite).toHaveBeenCalledWith(items[2].citations[0]);
  });
});
