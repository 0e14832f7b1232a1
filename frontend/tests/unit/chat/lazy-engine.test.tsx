/**
 * The chat engine comes in a chunk of its own (use-ask-chat.ts): when that chunk cannot be
 * downloaded, the question fails with a translated error, and the retry asks it once it can.
 */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithIntl } from "../intl";
import { stubScreenEnv } from "./screen-env";
import { answerParts, sseResponse } from "./sse";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }),
  useSearchParams: () => new URLSearchParams(),
}));

vi.mock("@/lib/api/client", () => import("./screen-env"));

// The engine's chunk cannot be downloaded (offline) until the test says it can.
const download = vi.hoisted(() => ({ works: false }));
vi.mock("@/lib/lazy-module", async (importOriginal) => {
  const lazy = await importOriginal<typeof import("@/lib/lazy-module")>();
  return {
    ...lazy,
    lazyModule: <T,>(importer: () => Promise<T>) =>
      lazy.lazyModule(() =>
        importer.toString().includes("chat/engine") && !download.works
          ? Promise.reject(new TypeError("Failed to fetch dynamically imported module"))
          : importer(),
      ),
  };
});

const { ChatScreen } = await import("@/components/chat/chat-screen");
const fetchMock = vi.fn<typeof fetch>();

beforeEach(() => {
  fetchMock.mockReset();
  stubScreenEnv(fetchMock);
});

describe("the lazily loaded chat engine", () => {
  it("shows a failed download as an error, and the retry sends the question", async () => {
    const user = userEvent.setup();
    renderWithIntl(<ChatScreen />);
    await waitFor(() => expect(screen.getByTestId("collection-picker")).toHaveValue("col-bio"));

    await user.type(screen.getByTestId("composer"), "O que é seleção natural?");
    await user.keyboard("{Enter}");
    const alert = await screen.findByTestId("error-message");
    expect(alert).toHaveTextContent("Sem conexão com a internet.");
    expect(fetchMock).not.toHaveBeenCalled();

    download.works = true;
    fetchMock.mockResolvedValueOnce(sseResponse(answerParts()));
    await user.click(within(alert).getByRole("button", { name: "Tentar de novo" }));
    await waitFor(() =>
      expect(screen.getByTestId("assistant-message")).toHaveAttribute("data-state", "done"),
    );
    expect(screen.getByTestId("user-message")).toHaveTextContent("O que é seleção natural?");
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body)).question).toBe("O que é seleção natural?");
    expect(screen.queryByTestId("error-message")).toBeNull();
  });
});
