import { useTranslations } from "next-intl";
import Link from "next/link";
import { LanguageSwitch } from "./language-switch";
import { ThemeToggle } from "./theme-toggle";

export function SiteHeader() {
  const t = useTranslations("common");
  return (
    <header className="flex h-14 shrink-0 items-center gap-2 border-b px-3 sm:px-4">
      <Link href="/" className="mr-auto flex items-center gap-2 font-semibold">
        <span aria-hidden className="grid size-7 place-items-center rounded-md bg-primary text-primary-foreground">
          G
        </span>
        <span>ChatGepeto</span>
      </Link>
      <nav aria-label={t("nav.label")} className="flex items-center gap-1 text-sm">
        <Link className="rounded-md px-2 py-1.5 hover:bg-muted" href="/">
          {t("nav.chat")}
        </Link>
        <Link className="rounded-md px-2 py-1.5 hover:bg-muted" href="/documents">
          {t("nav.documents")}
        </Link>
      </nav>
      <LanguageSwitch />
      <ThemeToggle />
    </header>
  );
}
