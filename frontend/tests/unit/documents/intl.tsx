/** Render inside NextIntlClientProvider with the real pt-BR messages. */
import { render, type RenderOptions } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import common from "../../../messages/pt-BR/common.json";
import documents from "../../../messages/pt-BR/documents.json";
import errors from "../../../messages/pt-BR/errors.json";
import sources from "../../../messages/pt-BR/sources.json";

export const messages = { common, documents, errors, sources };

export function renderWithIntl(ui: React.ReactElement, options?: RenderOptions) {
  return render(ui, {
    wrapper: ({ children }) => (
      <NextIntlClientProvider locale="pt-BR" messages={messages} timeZone="America/Sao_Paulo">
        {children}
      </NextIntlClientProvider>
    ),
    ...options,
  });
}
