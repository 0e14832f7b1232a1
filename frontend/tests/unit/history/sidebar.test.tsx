import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ConversationSummary } from "@/lib/api/schemas";
import { ApiError } from "@/lib/api/errors";
import { renderWithIntl } from "../intl";

const api = vi.hoisted(() => ({ conversations: vi.fn(), deleteConversation: vi.fn() }));
vi.mock("@/lib/api/client", () => ({ api }));

const { HistorySidebar } = await import("@/components/history/history-sidebar");

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const summary = (id: string, title: string, updated_at: string): ConversationSummary => ({
  id,
  title,
  updated_at,
  created_at: updated_at,
  collection_id: "col-1",
  user_id: "u_1",
});

const items = [
  summary("c1", "Fotossíntese", hoursAgo(0)),
  summary("c2", "Mitose e meiose", hoursAgo(24 * 40)),
];

beforeEach(() => {
  api.conversations.mockReset().mockResolvedValue({ items, next_cursor: null });
  api.deleteConversation.mockReset().mockResolvedValue(undefined);
});

function renderSidebar(props: Partial<React.ComponentProps<typeof HistorySidebar>> = {}) {
  const onOpen = vi.fn();
  const onDeleted = vi.fn();
  renderWithIntl(
    <HistorySidebar activeId="c1" refreshKey={0} onOpen={onOpen} onDeleted={onDeleted} {...props} />,
  );
  return { onOpen, onDeleted, user: userEvent.setup() };
}

describe("HistorySidebar", () => {
  it("lists this browser's conversations grouped by date and opens one", async () => {
    const { onOpen, user } = renderSidebar();
    expect(screen.getByText("Carregando conversas…")).toBeInTheDocument();
    const rows = await screen.findAllByTestId("history-item");
    expect(rows.map((r) => r.textContent)).toEqual(["Fotossíntese", "Mitose e meiose"]);
    expect(screen.getByRole("heading", { name: "Hoje" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Mais antigas" })).toBeInTheDocument();
    expect(rows[0]).toHaveAttribute("aria-current", "page");
    // Whose is the backend's business (its id cookie): the browser names no user.
    expect(api.conversations).toHaveBeenCalledWith({ q: undefined });
    expect(window.localStorage.getItem("chatgepeto.userId")).toBeNull();

    await user.click(rows[1]);
    expect(onOpen).toHaveBeenCalledWith("c2");
  });

  it("searches through the API, debounced", async () => {
    const { user } = renderSidebar();
    await screen.findAllByTestId("history-item");
    api.conversations.mockResolvedValue({ items: [items[1]], next_cursor: null });
    await user.type(screen.getByTestId("history-search"), "mitose");
    await waitFor(() => expect(screen.getAllByTestId("history-item")).toHaveLength(1));
    // One call for the first load, one for the whole word: typing did not fire a request per key.
    expect(api.conversations).toHaveBeenCalledTimes(2);
    expect(api.conversations).toHaveBeenLastCalledWith(expect.objectContaining({ q: "mitose" }));

    api.conversations.mockResolvedValue({ items: [], next_cursor: null });
    await user.clear(screen.getByTestId("history-search"));
    await user.type(screen.getByTestId("history-search"), "xyz");
    expect(await screen.findByText("Nenhuma conversa encontrada para “xyz”.")).toBeInTheDocument();
  });

  it("deletes a conversation after confirmation", async () => {
    const { onDeleted, user } = renderSidebar();
    const [first] = await screen.findAllByTestId("history-item");
    const row = first.closest("li")!;
    await user.click(within(row).getByTestId("history-delete"));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog).toHaveTextContent("Excluir esta conversa?");
    expect(api.deleteConversation).not.toHaveBeenCalled();

    await user.click(within(dialog).getByTestId("history-confirm-delete"));
    expect(api.deleteConversation).toHaveBeenCalledWith("c1");
    await waitFor(() => expect(screen.getAllByTestId("history-item")).toHaveLength(1));
    expect(onDeleted).toHaveBeenCalledWith("c1");
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("keeps the dialog open with a translated error when deleting fails", async () => {
    api.deleteConversation.mockRejectedValue(new ApiError("backend_down", "down", 503));
    const { onDeleted, user } = renderSidebar();
    const [first] = await screen.findAllByTestId("history-item");
    await user.click(within(first.closest("li")!).getByTestId("history-delete"));
    const dialog = await screen.findByRole("alertdialog");
    await user.click(within(dialog).getByTestId("history-confirm-delete"));
    expect(await within(dialog).findByTestId("error-message")).toHaveTextContent("fora do ar");
    expect(onDeleted).not.toHaveBeenCalled();
  });

  it("shows a translated error with retry when the list fails, and an empty state", async () => {
    api.conversations.mockRejectedValueOnce(new ApiError("offline", "Failed to fetch"));
    const { user } = renderSidebar();
    const alert = await screen.findByTestId("error-message");
    expect(alert).toHaveTextContent("Sem conexão com a internet.");
    api.conversations.mockResolvedValue({ items: [], next_cursor: null });
    await user.click(within(alert).getByRole("button", { name: "Tentar de novo" }));
    expect(await screen.findByTestId("history-empty")).toHaveTextContent("Nenhuma conversa ainda.");
  });

  it("refreshes when refreshKey changes, keeping the old list meanwhile", async () => {
    const onOpen = vi.fn();
    const props = { activeId: null, onOpen, onDeleted: vi.fn() };
    const { rerender } = renderWithIntl(<HistorySidebar refreshKey={0} {...props} />);
    await screen.findAllByTestId("history-item");
    let resolve: (v: unknown) => void = () => {};
    api.conversations.mockReturnValueOnce(new Promise((r) => (resolve = r)));
    rerender(<HistorySidebar refreshKey={1} {...props} />);
    expect(screen.getAllByTestId("history-item")).toHaveLength(2);
    resolve({ items: [summary("c3", "Nova", hoursAgo(0)), ...items], next_cursor: null });
    await waitFor(() => expect(screen.getAllByTestId("history-item")).toHaveLength(3));
  });
});
