import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QuizView } from "@/components/study/quiz-view";
import { apiError, attempt, json, quizItems, routeFetch, sentBodies } from "./fixtures";
import { renderStudy } from "./render";

afterEach(() => vi.unstubAllGlobals());

function renderQuiz(onCite = vi.fn()) {
  renderStudy(<QuizView setId="set-1" items={quizItems} onCite={onCite} />);
  return { user: userEvent.setup(), onCite };
}

describe("QuizView", () => {
  it("asks each kind of question its own way", async () => {
    routeFetch({ "GET /api/study/sets/set-1/attempts": () => json(200, { items: [] }) });
    renderQuiz();
    const questions = screen.getAllByTestId("quiz-question");
    expect(questions.map((q) => q.dataset.kind)).toEqual(["mcq", "cloze", "short"]);
    // Choices are a labelled radio group; the short answer a labelled text field.
    const group = within(questions[0]).getByRole("radiogroup", { name: "Quem propôs a seleção natural?" });
    expect(within(group).getAllByRole("radio")).toHaveLength(3);
    expect(within(questions[1]).getByText("(lacuna)")).toHaveClass("sr-only");
    expect(within(questions[2]).getByRole("textbox", { name: "Sua resposta" })).toBeInTheDocument();
    expect(questions[0]).toHaveAccessibleName("Pergunta 1 de 3");
    expect(await screen.findByText("Nenhuma tentativa ainda.")).toBeInTheDocument();
    // Nothing is shown before the answers are checked: no sources that give the answer away.
    expect(screen.queryByTestId("sources-list")).toBeNull();
  });

  it("answers with the keyboard, then shows the score and each question's feedback", async () => {
    const fetch = routeFetch({
      "GET /api/study/sets/set-1/attempts": [() => json(200, { items: [] }), () => json(200, { items: [attempt] })],
      "POST /api/study/sets/set-1/attempts": () => json(201, attempt),
    });
    const { user } = renderQuiz();
    const [mcq, cloze, short] = screen.getAllByTestId("quiz-question");
    await user.click(within(mcq).getByRole("radio", { name: "Lamarck" }));
    await user.keyboard("{ArrowDown}"); // native radios: arrows move the choice
    expect(within(mcq).getByRole("radio", { name: "Darwin" })).toBeChecked();
    expect(screen.getByTestId("quiz-unanswered")).toHaveTextContent("2 perguntas estão sem resposta");
    await user.click(within(cloze).getByRole("radio", { name: "seleção" }));
    await user.type(within(short).getByRole("textbox"), "variação");
    await user.click(screen.getByTestId("quiz-submit"));

    expect(await screen.findByTestId("quiz-score")).toHaveTextContent("Você acertou 2 de 3 (67%).");
    expect(screen.getByTestId("quiz-live")).toHaveTextContent("Você acertou 2 de 3 (67%).");
    await waitFor(() => expect(screen.getByRole("heading", { name: "Resultado" })).toHaveFocus());
    expect(sentBodies(fetch, "POST /api/study/sets/set-1/attempts")).toEqual([
      {
        answers: [
          { item_id: "q1", answer: "Darwin" },
          { item_id: "q2", answer: "seleção" },
          { item_id: "q3", answer: "variação" },
        ],
      },
    ]);

    const questions = screen.getAllByTestId("quiz-question");
    expect(questions.map((q) => q.dataset.result)).toEqual(["correct", "incorrect", "correct"]);
    expect(within(questions[0]).getByTestId("quiz-correct")).toHaveTextContent("Certo");
    expect(within(questions[1]).getByTestId("quiz-incorrect")).toHaveTextContent("Errado");
    expect(within(questions[1]).getByTestId("quiz-right-answer")).toHaveTextContent("Resposta certa: deriva");
    expect(questions[1]).toHaveTextContent("Por quê: A deriva é aleatória.");
    expect(questions[2]).toHaveTextContent("Sua resposta: variação");
    expect(within(questions[0]).getByRole("radio", { name: "Darwin" })).toBeDisabled();
    // The earlier attempts list follows.
    expect(await screen.findByTestId("quiz-history-item")).toHaveTextContent("67% (2 de 3)");
  });

  it("opens the source viewer from a question's citation", async () => {
    routeFetch({
      "GET /api/study/sets/set-1/attempts": () => json(200, { items: [] }),
      "POST /api/study/sets/set-1/attempts": () => json(201, attempt),
    });
    const { user, onCite } = renderQuiz();
    await user.click(screen.getByTestId("quiz-submit"));
    const second = (await screen.findAllByTestId("quiz-question"))[1];
    await user.click(within(second).getByTestId("source-item"));
    expect(onCite).toHaveBeenCalledWith(attempt.results[1].citations[0]);
  });

  it("takes the quiz again from a clean slate", async () => {
    routeFetch({
      "GET /api/study/sets/set-1/attempts": () => json(200, { items: [] }),
      "POST /api/study/sets/set-1/attempts": () => json(201, attempt),
    });
    const { user } = renderQuiz();
    await user.click(within(screen.getAllByTestId("quiz-question")[0]).getByRole("radio", { name: "Darwin" }));
    await user.click(screen.getByTestId("quiz-submit"));
    await user.click(await screen.findByTestId("quiz-retake"));
    expect(screen.queryByTestId("quiz-result")).toBeNull();
    expect(screen.queryByTestId("quiz-feedback")).toBeNull();
    for (const radio of screen.getAllByRole("radio")) {
      expect(radio).not.toBeChecked();
      expect(radio).toBeEnabled();
    }
    await waitFor(() => expect(screen.getAllByRole("radio")[0]).toHaveFocus());
    expect(screen.getByTestId("quiz-submit")).toBeEnabled();
  });

  it("shows a refused attempt in words, with the request id", async () => {
    routeFetch({
      "GET /api/study/sets/set-1/attempts": () => json(200, { items: [] }),
      "POST /api/study/sets/set-1/attempts": () => apiError(409, "not_ready", "Set not ready", "req-9"),
    });
    const { user } = renderQuiz();
    await user.click(screen.getByTestId("quiz-submit"));
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("O conjunto de estudo ainda não está pronto.");
    expect(error).toHaveTextContent("req-9");
    expect(screen.queryByTestId("quiz-result")).toBeNull();
  });
});
