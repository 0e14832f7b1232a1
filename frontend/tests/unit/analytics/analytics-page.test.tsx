import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AnalyticsWorkspace } from "@/components/analytics/analytics-workspace";
import { AdminGate } from "@/components/documents/admin-gate";
import { getAdminToken, setAdminToken } from "@/lib/admin-token";
import { apiError, calls, fakeBackend, json, REPORT, TOKEN } from "./fixtures";
import { renderAnalytics } from "./render";

// The chart itself draws on a canvas, which jsdom lacks: a stand-in that shows what it was given.
vi.mock("@/components/analytics/weekly-bars", () => ({
  WeeklyBars: ({ labels, description }: { labels: string[]; description: string }) => (
    <div role="img" aria-label={description} data-testid="chart-stub">
      {labels.join("|")}
    </div>
  ),
}));

const REPORT_PATH = "/api/analytics/collections/";

const renderPage = (locale: "pt-BR" | "en" = "pt-BR") =>
  renderAnalytics(
    <AdminGate>
      <AnalyticsWorkspace />
    </AdminGate>,
    locale,
  );

beforeEach(() => setAdminToken(TOKEN));
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("analytics page", () => {
  it("shows a loading state while the report is on its way", async () => {
    fakeBackend({ [REPORT_PATH]: () => new Promise<Response>(() => {}) });
    renderPage();
    expect(await screen.findByTestId("analytics-collection")).toHaveValue("bio");
    expect(screen.getByRole("status")).toHaveTextContent("Carregando…");
    expect(screen.queryByTestId("analytics-report")).toBeNull();
  });

  it("says so when the period has no questions", async () => {
    fakeBackend({
      [REPORT_PATH]: () =>
        json({
          ...REPORT,
          questions_total: 0,
          unanswered_total: 0,
          thumbs_down_total: 0,
          topics: [],
          unanswered: [],
          thumbs_down: [],
        }),
    });
    renderPage();
    expect(await screen.findByTestId("analytics-empty")).toHaveTextContent(
      "Nenhuma pergunta foi feita sobre esta coleção neste período.",
    );
  });

  it("shows a translated error with the request id, and retries", async () => {
    const user = userEvent.setup();
    let fail = true;
    fakeBackend({ [REPORT_PATH]: () => (fail ? apiError(503, "unavailable", "req-503") : json(REPORT)) });
    renderPage();
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("O servidor do ChatGepeto está fora do ar no momento.");
    expect(error).toHaveTextContent("Código do pedido: req-503");
    fail = false;
    await user.click(within(error).getByRole("button", { name: "Tentar de novo" }));
    expect(await screen.findByTestId("analytics-report")).toBeInTheDocument();
  });

  it("asks for the token again when it stopped working", async () => {
    fakeBackend({ [REPORT_PATH]: () => apiError(401, "unauthorized") });
    renderPage();
    expect(await screen.findByLabelText("Token de administrador")).toBeInTheDocument();
    expect(getAdminToken()).toBeNull();
  });

  it("shows totals, the chart with its table, topics and both lists", async () => {
    const backend = fakeBackend({ [REPORT_PATH]: () => json(REPORT) });
    renderPage();
    await screen.findByTestId("analytics-report");
    expect(calls(backend, REPORT_PATH).map((u) => u.pathname + u.search)).toEqual([
      "/api/analytics/collections/bio?weeks=8",
    ]);
    const auth = new Headers(backend.mock.calls.at(-1)?.[1]?.headers).get("Authorization");
    expect(auth).toBe(`Bearer ${TOKEN}`);

    expect(screen.getByTestId("total-questions")).toHaveTextContent("5");
    expect(screen.getByTestId("total-unanswered")).toHaveTextContent("2");
    expect(screen.getByTestId("total-thumbs-down")).toHaveTextContent("60");

    // The chart has a text alternative, and the numbers are in a table.
    const chart = await screen.findByRole("img");
    expect(chart.getAttribute("aria-label")).toMatch(/^Gráfico de barras .* de 16 de nov\. a 30 de nov\./);
    const table = screen.getByTestId("weekly-table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(["16 de nov.000", "23 de nov.211", "30 de nov.311"]);
    expect(within(rows[2]).getByTitle("2026-W49")).toBeInTheDocument();

    const topics = screen.getAllByTestId("topic");
    expect(topics[0]).toHaveTextContent("seleção natural3 perguntas");
    expect(topics[0]).toHaveTextContent("Por exemplo: “O que é seleção natural?”");
    expect(topics[1]).toHaveTextContent("1 pergunta");

    const unanswered = screen.getAllByTestId("unanswered-row");
    expect(unanswered[0]).toHaveTextContent("Qual a massa de Júpiter?Fora do material—");
    expect(unanswered[1]).toHaveTextContent("Pontuação de busca baixa (abaixo de 1)0,05");
    expect(within(unanswered[0]).getByText("03/12/2026, 07:00")).toHaveAttribute(
      "datetime",
      "2026-12-03T10:00:00Z",
    );

    const disliked = screen.getAllByTestId("thumbs-down-row");
    expect(disliked[0]).toHaveTextContent("Não ajudou");
    expect(disliked[1]).toHaveTextContent("Sem comentário");
    // 60 rated down, 2 listed.
    expect(screen.getByTestId("thumbs-down-heading")).toHaveTextContent("As 2 mais recentes de 60.");
    // The wide tables scroll sideways, and a keyboard can get there.
    const region = screen.getByRole("region", { name: "Respostas avaliadas negativamente (role para o lado)" });
    expect(region).toHaveAttribute("tabindex", "0");
  });

  it("loads again for another period or collection", async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({ [REPORT_PATH]: () => json(REPORT) });
    renderPage();
    await screen.findByTestId("analytics-report");
    await user.selectOptions(screen.getByLabelText("Período"), "Últimas 12 semanas");
    await user.selectOptions(screen.getByLabelText("Coleção"), "Química");
    await waitFor(() =>
      expect(calls(backend, REPORT_PATH).map((u) => u.pathname + u.search)).toEqual([
        "/api/analytics/collections/bio?weeks=8",
        "/api/analytics/collections/bio?weeks=12",
        "/api/analytics/collections/qui?weeks=12",
      ]),
    );
  });

  it("speaks English too", async () => {
    fakeBackend({ [REPORT_PATH]: () => json(REPORT) });
    renderPage("en");
    await screen.findByTestId("analytics-report");
    expect(screen.getByRole("heading", { name: "Most asked topics" })).toBeInTheDocument();
    expect(screen.getAllByTestId("topic")[0]).toHaveTextContent("3 questions");
    expect(screen.getByText("Weeks run Monday to Sunday, in UTC.")).toBeInTheDocument();
    expect(screen.getAllByTestId("unanswered-row")[1]).toHaveTextContent("Low retrieval score (below 1)");
  });

  it("points to the documents page when there is no collection", async () => {
    fakeBackend({ "/api/collections": () => json({ items: [] }) });
    renderPage();
    const empty = await screen.findByTestId("no-collections");
    expect(within(empty).getByRole("link")).toHaveAttribute("href", "/documents");
  });
});

describe("CSV download", () => {
  function stubSaving() {
    const created = vi.fn((blob: Blob) => (void blob, "blob:analytics"));
    const revoked = vi.fn();
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: created, revokeObjectURL: revoked }));
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    return { created, revoked, clicked };
  }

  const csv = () =>
    new Response("\ufeffweek;asked_at\r\n", {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="analytics-bio-2026-10-12.csv"',
      },
    });

  it("fetches the file with the token and saves it (semicolons in Portuguese)", async () => {
    const user = userEvent.setup();
    const saving = stubSaving();
    const backend = fakeBackend({
      "/api/analytics/collections/bio/export.csv": csv,
      [REPORT_PATH]: () => json(REPORT),
    });
    renderPage();
    await screen.findByTestId("analytics-report");
    await user.click(screen.getByRole("button", { name: "Baixar CSV" }));
    await waitFor(() => expect(saving.clicked).toHaveLength(1));

    const [url] = calls(backend, "/api/analytics/collections/bio/export.csv");
    expect(url.search).toBe("?weeks=8&delimiter=semicolon");
    const init = backend.mock.calls.find(([input]) => String(input).includes("export.csv"))?.[1];
    expect(new Headers(init?.headers).get("Authorization")).toBe(`Bearer ${TOKEN}`);
    const blob = saving.created.mock.calls[0][0];
    // The bytes as sent, byte order mark included (text() would drop it while decoding).
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes)).toBe("week;asked_at\r\n");
    expect(saving.clicked[0].download).toBe("analytics-bio-2026-10-12.csv");
    expect(saving.clicked[0].href).toBe("blob:analytics");
    await waitFor(() => expect(saving.revoked).toHaveBeenCalledWith("blob:analytics"));
    expect(screen.getByRole("button", { name: "Baixar CSV" })).toBeEnabled();
  });

  it("uses commas in English", async () => {
    const user = userEvent.setup();
    const saving = stubSaving();
    const backend = fakeBackend({
      "/api/analytics/collections/bio/export.csv": csv,
      [REPORT_PATH]: () => json(REPORT),
    });
    renderPage("en");
    await screen.findByTestId("analytics-report");
    await user.click(screen.getByRole("button", { name: "Download CSV" }));
    await waitFor(() => expect(saving.clicked).toHaveLength(1));
    expect(calls(backend, "/api/analytics/collections/bio/export.csv")[0].search).toBe(
      "?weeks=8&delimiter=comma",
    );
  });

  it("shows a failed download's error with its request id", async () => {
    const user = userEvent.setup();
    const saving = stubSaving();
    fakeBackend({
      "/api/analytics/collections/bio/export.csv": () => apiError(503, "unavailable", "req-csv"),
      [REPORT_PATH]: () => json(REPORT),
    });
    renderPage();
    await screen.findByTestId("analytics-report");
    await user.click(screen.getByRole("button", { name: "Baixar CSV" }));
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("O servidor do ChatGepeto está fora do ar");
    expect(error).toHaveTextContent("Código do pedido: req-csv");
    expect(saving.clicked).toHaveLength(0);
  });
});
