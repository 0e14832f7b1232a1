import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AdminGate } from "@/components/documents/admin-gate";
import { UploadZone } from "@/components/documents/upload-zone";
import { setAdminToken } from "@/lib/admin-token";
import { FakeXhr } from "./fake-xhr";
import { renderWithIntl } from "../intl";

const limits = { maxUploadMb: 1, maxUploadFiles: 5, supportedExtensions: [".pdf", ".md", ".txt"] };

async function renderZone(onUploaded = vi.fn()) {
  setAdminToken("segredo");
  renderWithIntl(
    <AdminGate>
      <UploadZone collectionId="c1" limits={limits} onUploaded={onUploaded} />
    </AdminGate>,
  );
  return screen.findByTestId("file-input");
}

const answer = (duplicate: boolean) => ({
  items: [{ id: "d", filename: "f", status: "queued", job_id: "j", duplicate }],
});

beforeEach(() => {
  FakeXhr.all = [];
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("UploadZone", () => {
  it("has a labelled multiple file input limited to the supported types", async () => {
    const input = await renderZone();
    expect(input).toHaveAttribute("multiple");
    expect(input).toHaveAttribute("accept", ".pdf,.md,.txt");
    expect(screen.getByLabelText("Escolher arquivos")).toBe(input);
  });

  it("refuses bad files in plain words and sends each good one in its own request", async () => {
    const user = userEvent.setup({ applyAccept: false });
    const onUploaded = vi.fn();
    const input = await renderZone(onUploaded);
    await user.upload(input, [
      new File(["%PDF"], "aula.pdf"),
      new File(["# oi"], "notas.md"),
      new File(["x"], "foto.jpg"),
      new File([new Uint8Array(2 * 1024 * 1024)], "enorme.pdf"),
    ]);

    const rejections = screen.getAllByTestId("upload-rejection").map((r) => r.textContent);
    expect(rejections).toEqual([
      "foto.jpg: tipo de arquivo não aceito. Envie .pdf, .md, .txt.",
      "enorme.pdf: maior que o limite de 1 MB por arquivo.",
    ]);
    expect(FakeXhr.all).toHaveLength(2);
    expect(FakeXhr.all.every((x) => x.headers.Authorization === "Bearer segredo")).toBe(true);

    const [pdf, md] = FakeXhr.all;
    act(() => pdf.progress(30, 100));
    const rows = screen.getAllByTestId("upload-row");
    expect(rows.map((r) => r.dataset.status)).toEqual(["uploading", "uploading"]);
    expect(within(rows[0]).getByRole("progressbar", { name: "Envio de aula.pdf" })).toHaveAttribute(
      "aria-valuenow",
      "30",
    );

    act(() => pdf.respond(202, answer(false)));
    act(() => md.respond(200, answer(true)));
    await vi.waitFor(() => expect(onUploaded).toHaveBeenCalledTimes(2));
    expect(rows[0]).toHaveAttribute("data-status", "done");
    expect(rows[1]).toHaveAttribute("data-status", "duplicate");
    expect(rows[1]).toHaveTextContent("Este arquivo já estava na coleção.");
  });

  it("says why the server refused a file", async () => {
    const user = userEvent.setup();
    const input = await renderZone();
    await user.upload(input, new File(["x"], "falso.pdf"));
    act(() =>
      FakeXhr.last.respond(415, {
        error: { code: "unsupported_media_type", message: "Not a PDF", request_id: "r" },
      }),
    );
    const row = await screen.findByTestId("upload-row");
    await vi.waitFor(() => expect(row).toHaveAttribute("data-status", "failed"));
    expect(row).toHaveTextContent("O servidor recusou: o conteúdo não é de um tipo aceito");
  });

  it("asks for the token again when an upload gets a 401", async () => {
    const user = userEvent.setup();
    const input = await renderZone();
    await user.upload(input, new File(["x"], "aula.pdf"));
    act(() =>
      FakeXhr.last.respond(401, { error: { code: "unauthorized", message: "no", request_id: "r" } }),
    );
    expect(await screen.findByTestId("admin-token")).toBeInTheDocument();
    expect(screen.getByTestId("error-message")).toHaveTextContent("Token de administrador");
  });
});
