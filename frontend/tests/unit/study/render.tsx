/** Render with the app's messages plus the study namespace (tests/unit/intl.tsx predates it). */
import { render } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import type { ReactElement } from "react";
import enStudy from "../../../messages/en/study.json";
import ptStudy from "../../../messages/pt-BR/study.json";
import { allMessages, type TestLocale } from "../intl";

const withStudy = {
  "pt-BR": { ...allMessages["pt-BR"], study: ptStudy },
  en: { ...allMessages.en, study: enStudy },
};

export function renderStudy(ui: ReactElement, { locale = "pt-BR" }: { locale?: TestLocale } = {}) {
  return render(ui, {
    wrapper: ({ children }) => (
      <NextIntlClientProvider locale={locale} messages={withStudy[locale]} timeZone="America/Sao_Paulo">
        {children}
      </NextIntlClientProvider>
    ),
  });
}
