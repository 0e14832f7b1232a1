"use client";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useId } from "react";
import type { Collection } from "@/lib/api/schemas";

/** Which course material the questions are about. */
export function CollectionPicker({
  collections,
  value,
  onChange,
}: {
  collections: Collection[] | null;
  value: string | null;
  onChange: (id: string) => void;
}) {
  const t = useTranslations("chat.collection");
  const id = useId();
  return (
    <div className="flex min-w-0 flex-1 items-center gap-2">
      <label htmlFor={id} className="shrink-0 text-sm font-medium max-sm:sr-only">
        {t("label")}
      </label>
      <select
        id={id}
        data-testid="collection-picker"
        value={value ?? ""}
        disabled={!collections || collections.length === 0}
        onChange={(e) => onChange(e.target.value)}
        className="h-9 w-full min-w-0 max-w-xs truncate rounded-md border border-input bg-background px-2 text-sm disabled:opacity-60"
      >
        {!collections && <option value="">{t("loading")}</option>}
        {collections?.length === 0 && <option value="">{t("none")}</option>}
        {collections?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Shown instead of the chat when there is nothing to ask about yet. */
export function NoCollections() {
  const t = useTranslations("chat.collection");
  return (
    <div
      data-testid="no-collections"
      className="mx-auto max-w-md rounded-xl border bg-muted/40 p-6 text-center"
    >
      <h2 className="font-semibold">{t("emptyTitle")}</h2>
      <p className="mt-2 text-sm text-muted-foreground">
        {t.rich("emptyBody", {
          link: (chunks) => (
            <Link href="/documents" className="font-medium text-primary underline underline-offset-2">
              {chunks}
            </Link>
          ),
        })}
      </p>
    </div>
  );
}
