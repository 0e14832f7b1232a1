import { ChartColumnIcon, FileTextIcon, GraduationCapIcon, MessageSquareIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { LanguageSwitch } from "./language-switch";
import { ThemeToggle } from "./theme-toggle";

export function SiteHeader() {
  const t = useTranslations("common");
  return (
    <header className="flex h-14 shrink-0 items-center gap-1 border-b px-2 sm:gap-2 sm:px-4">
      <Link href="/" className="mr-auto flex items-center gap-2 font-semibold">
        <span aria-hidden className="grid size-7 place-items-center rounded-md bg-primary text-primary-foreground">
          G
        </span>
        <span className="sr-only sm:not-sr-only">ChatGepeto</span>
      </Link>
      <nav aria-label={t("nav.label")} className="flex items-center gap-1 text-sm">
        <Link className="flex items-center gap-1.5 rounded-md px-2 py-1.5 hover:bg-muted" href="/">
          <MessageSquareIcon aria-hidden className="size-4 sm:hidden" />
          <span className="sr-only sm:not-sr-only">{t("nav.chat")}</span>
        </Link>
        <Link
          className="flex items-center gap-1.5 rounded-md px-2 py-1.5 hover:bg-muted"
          href="/documents"
        >
          <FileTextIcon aria-hidden className="size-4 sm:hidden" />
          <span className="sr-only sm:not-sr-only">{t("nav.documents")}</span>
        </Link>
        <Link className="flex items-center gap-1.5 rounded-md px-2 py-1.5 hover:bg-muted" href="/study">
          <GraduationCapIcon aria-hidden className="size-4 sm:hidden" />
          <span className="sr-only sm:not-sr-only">{t("nav.study")}</span>
        </Link>
        <Link
          className="flex items-center gap-1.5 rounded-md px-2 py-1.5 hover:bg-muted"
          href="/analytics"
        >
          <ChartColumnIcon aria-hidden className="size-4 sm:hidden" />
          <span className="sr-only sm:not-sr-only">{t("nav.analytics")}</span>
        </Link>
      </nav>
      <LanguageSwitch />
      <ThemeToggle />
    </header>
  );
}
