"use client";
import { Trash2Icon } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useId, useState } from "react";
import { PanelLoading } from "@/components/sources/panel-loading";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { studyApi, type StudySetSummary } from "@/lib/api/study";
import { parseTimestamp } from "@/lib/chat/history";
import { useResource } from "@/lib/documents/use-resource";
import { StatusBadge } from "./status-badge";
import { StudyError } from "./study-error";

/** The collection's study sets, newest first, each to reopen (or delete). */
export function SetList({
  collectionId,
  onOpen,
}: {
  collectionId: string;
  onOpen: (set: StudySetSummary) => void;
}) {
  const t = useTranslations("study.sets");
  const id = useId();
  const sets = useResource(collectionId, () => studyApi.list(collectionId));
  // Deleted here: hidden at once, without waiting for the list to load again.
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(new Set());
  const items = sets.data?.filter((s) => !deleted.has(s.id));

  return (
    <section aria-labelledby={id} className="flex flex-col gap-3">
      <h2 id={id} className="font-semibold">
        {t("title")}
      </h2>
      {sets.error !== null && <StudyError error={sets.error} onRetry={sets.reload} />}
      {!items && sets.loading && <PanelLoading label={t("loading")} />}
      {items?.length === 0 && (
        <p data-testid="study-sets-empty" className="text-sm text-muted-foreground">
          {t("empty")}
        </p>
      )}
      {items && items.length > 0 && (
        <ul className="flex flex-col gap-2" data-testid="study-sets">
          {items.map((set) => (
            <SetRow
              key={set.id}
              set={set}
              onOpen={() => onOpen(set)}
              onDelete={async () => {
                await studyApi.remove(set.id);
                setDeleted((d) => new Set([...d, set.id]));
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function SetRow({
  set,
  onOpen,
  onDelete,
}: {
  set: StudySetSummary;
  onOpen: () => void;
  onDelete: () => Promise<void>;
}) {
  const t = useTranslations("study.sets");
  const kinds = useTranslations("study.kinds");
  const common = useTranslations("common");
  const format = useFormatter();
  const scope =
    set.page_from !== null && set.page_to !== null && set.page_from !== set.page_to
      ? t("pages", { from: set.page_from, to: set.page_to })
      : set.page_from !== null
        ? t("page", { page: set.page_from })
        : null;
  return (
    <li
      data-testid="study-set"
      data-kind={set.kind}
      data-status={set.status}
      className="flex items-center gap-2 rounded-lg border bg-background p-2 pl-3"
    >
      <button
        type="button"
        onClick={onOpen}
        data-testid="open-study-set"
        className="flex min-w-0 flex-1 flex-col items-start gap-1 rounded-md text-left focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
      >
        <span className="w-full truncate text-sm font-medium">{set.title || kinds(set.kind)}</span>
        <span className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
          <Badge variant="outline">{kinds(set.kind)}</Badge>
          <StatusBadge status={set.status} />
          {set.status === "ready" && <span>{t("items", { count: set.items_count })}</span>}
          {scope && <span>{scope}</span>}
          <span>
            {t("created", {
              date: format.dateTime(parseTimestamp(set.created_at), { dateStyle: "short", timeStyle: "short" }),
            })}
          </span>
        </span>
      </button>
      <ConfirmDialog
        trigger={
          <Button
            variant="ghost"
            size="icon-sm"
            aria-label={t("delete", { title: set.title || kinds(set.kind) })}
            title={t("delete", { title: set.title || kinds(set.kind) })}
            data-testid="delete-study-set"
          >
            <Trash2Icon aria-hidden />
          </Button>
        }
        title={t("deleteTitle")}
        description={t("deleteDescription", { title: set.title || kinds(set.kind) })}
        confirmLabel={common("delete")}
        onConfirm={onDelete}
      />
    </li>
  );
}
