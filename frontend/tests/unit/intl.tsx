/** Render with the app's real messages (every namespace, pt-BR or en), as the layout would. */
import { render, type RenderOptions } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import type { ReactElement, ReactNode } from "react";
import enChat from "../../messages/en/chat.json";
import enCommon from "../../messages/en/common.json";
import enDocuments from "../../messages/en/documents.json";
import enErrors from "../../messages/en/errors.json";
import enHistory from "../../messages/en/history.json";
import enSources from "../../messages/en/sources.json";
import ptChat from "../../messages/pt-BR/chat.json";
import ptCommon from "../../messages/pt-BR/common.json";
import ptDocuments from "../../messages/pt-BR/documents.json";
import ptErrors from "../../messages/pt-BR/errors.json";
import ptHistory from "../../messages/pt-BR/history.json";
import ptSources from "../../messages/pt-BR/sources.json";

export const allMessages = {
  "pt-BR": {
    common: ptCommon,
    errors: ptErrors,
    chat: ptChat,
    history: ptHistory,
    sources: ptSources,
    documents: ptDocuments,
  },
  en: {
    common: enCommon,
    errors: enErrors,
    chat: enChat,
    history: enHistory,
    sources: enSources,
    documents: enDocuments,
  },
} as const;

/** The pt-BR messages, the language tests assert on by default. */
export const messages = allMessages["pt-BR"];

export type TestLocale = keyof typeof allMessages;

export function IntlProvider({ children, locale = "pt-BR" }: { children: ReactNode; locale?: TestLocale }) {
  return (
    <NextIntlClientProvider locale={locale} messages={allMessages[locale]} timeZone="America/Sao_Paulo">
      {children}
    </NextIntlClientProvider>
  );
}

export function renderWithIntl(
  ui: ReactElement,
  { locale = "pt-BR", ...options }: RenderOptions & { locale?: TestLocale } = {},
) {
  return render(ui, {
    wrapper: ({ children }) => <IntlProvider locale={locale}>{children}</IntlProvider>,
    ...options,
  });
}
