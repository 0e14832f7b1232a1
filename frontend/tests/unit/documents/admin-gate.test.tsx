import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AdminGate, useAdmin } from "@/components/documents/admin-gate";
import { getAdminToken, setAdminToken } from "@/lib/admin-token";
import { ApiError } from "@/lib/api/errors";
import { renderWithIntl } from "../intl";

const unauthorized = () =>
  new Response(JSON.stringify({ error: { code: "unauthorized", message: "wrong", request_id: "r" } }), {
    status: 401,
    headers: { "Content-Type": "application/json" },
  });

/** Answers /api/admin/check with 204 for "segredo", 401 otherwise. */
function checkServer(input: RequestInfo | URL, init?: RequestInit) {
  const auth = new Headers(init?.headers).get("Authorization");
  expect(String(input)).toBe("/api/admin/check");
  return Promise.resolve(auth === "Bearer segredo" ? new Response(null, { status: 204 }) : unauthorized());
}

function Protected() {
  const admin = useAdmin();
  return (
    <button onClick={() => admin.handleError(new ApiError("unauthorized", "expired", 401))}>
      conteúdo protegido
    </button>
  );
}

const renderGate = () =>
  renderWithIntl(
    <AdminGate>
      <Protected />
    </AdminGate>,
  );

beforeEach(() => {
  vi.stubGlobal("fetch", vi.fn(checkServer));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("AdminGate", () => {
  it("asks for the token, refuses a wrong one and lets the right one in", async () => {
    const user = userEvent.setup();
    renderGate();
    const input = await screen.findByLabelText("Token de administrador");
    expect(input).toHaveAttribute("type", "password");
    expect(input).toHaveAttribute("data-testid", "admin-token");

    await user.type(input, "errado{Enter}");
    expect(await screen.findByTestId("error-message")).toHaveTextContent(
      "Token de administrador ausente ou inválido",
    );
    expect(getAdminToken()).toBeNull();

    await user.type(screen.getByTestId("admin-token"), "segredo");
    await user.click(screen.getByRole("button", { name: "Entrar" }));
    expect(await screen.findByText("conteúdo protegido")).toBeInTheDocument();
    expect(getAdminToken()).toBe("segredo");
  });

  it("checks a token kept from earlier in the session", async () => {
    setAdminToken("segredo");
    renderGate();
    expect(await screen.findByText("conteúdo protegido")).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("forgets the token on sign out", async () => {
    const user = userEvent.setup();
    setAdminToken("segredo");
    renderGate();
    await user.click(await screen.findByRole("button", { name: "Sair" }));
    expect(await screen.findByTestId("admin-token")).toBeInTheDocument();
    expect(screen.queryByTestId("error-message")).toBeNull();
    expect(getAdminToken()).toBeNull();
  });

  it("asks again, saying why, when a later call gets a 401", async () => {
    const user = userEvent.setup();
    setAdminToken("segredo");
    renderGate();
    await user.click(await screen.findByText("conteúdo protegido"));
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("Token de administrador ausente ou inválido");
    expect(screen.getByTestId("admin-token")).toBeInTheDocument();
    expect(getAdminToken()).toBeNull();
  });

  it("offers a retry when the server cannot be reached", async () => {
    const user = userEvent.setup();
    setAdminToken("segredo");
    vi.mocked(fetch).mockRejectedValueOnce(new TypeError("Failed to fetch"));
    renderGate();
    const error = await screen.findByTestId("error-message");
    expect(error).toHaveTextContent("Sem conexão com a internet");
    await user.click(within(error).getByRole("button", { name: "Tentar de novo" }));
    expect(await screen.findByText("conteúdo protegido")).toBeInTheDocument();
  });
});
