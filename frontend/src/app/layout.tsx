import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import { Providers } from "@/components/layout/providers";
import { SiteHeader } from "@/components/layout/site-header";
import { NONCE_HEADER } from "@/lib/security/headers";
import "./globals.css";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("common");
  return { title: "ChatGepeto", description: t("tagline") };
}

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const locale = await getLocale();
  // The Content-Security-Policy's nonce (src/proxy.ts), for next-themes' inline script.
  const nonce = (await headers()).get(NONCE_HEADER) ?? undefined;
  return (
    <html lang={locale} suppressHydrationWarning>
      <body className="flex h-dvh flex-col antialiased">
        <NextIntlClientProvider>
          <Providers nonce={nonce}>
            <SiteHeader />
            <div className="flex min-h-0 flex-1">{children}</div>
          </Providers>
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
