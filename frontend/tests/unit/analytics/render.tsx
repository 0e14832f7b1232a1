/** Render with the app's real messages, the analytics namespace included, as the layout would. */
import { render } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import type { ReactElement } from "react";
import enAnalytics from "../../../messages/en/analytics.json";
import ptAnalytics from "../../../messages/pt-BR/analytics.json";
import { allMessages, type TestLocale } from "../intl";

const messages = {
  "pt-BR": { ...allMessages["pt-BR"], analytics: ptAnalytics },
  en: { ...allMessages.en, analytics: enAnalytics },
};

export function renderAnalytics(ui: ReactElement, locale: TestLocale = "pt-BR") {
  return render(ui, {
    wrapper: ({ children }) => (
      <NextIntlClientProvider locale={locale} messages={messages[locale]} timeZone="America/Sao_Paulo">
        {children}
      </NextIntlClientProvider>
    ),
  });
}
