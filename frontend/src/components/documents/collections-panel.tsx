"use client";
/** The collections: pick one, create one, delete one (with everything in it). */
import { FolderIcon, Loader2Icon, PlusIcon, Trash2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { PanelLoading } from "@/components/sources/panel-loading";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { api } from "@/lib/api/client";
import { toApiError } from "@/lib/api/errors";
import type { Collection } from "@/lib/api/schemas";
import type { Resource } from "@/lib/documents/use-resource";
import { cn } from "@/lib/utils";
import { useAdmin } from "./admin-gate";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

export type CollectionsPanelProps = {
  collections: Resource<Collection[]>;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onCreated: (collection: Collection) => void;
  onDeleted: (collection: Collection) => void;
};

export function CollectionsPanel({
  collections,
  selectedId,
  onSelect,
  onCreated,
  onDeleted,
}: CollectionsPanelProps) {
  const t = useTranslations("documents");
  const common = useTranslations("common");
  const admin = useAdmin();
  const { data, error, loading, reload } = collections;

  return (
    <section aria-labelledby="collections-heading" className="flex flex-col gap-3">
      <h2 id="collections-heading" className="text-base font-semibold">
        {t("collections.title")}
      </h2>
      {error ? <ErrorMessage error={error} onRetry={reload} /> : null}
      {data === undefined && loading && <PanelLoading label={common("loading")} />}
      {data?.length === 0 && (
        <p className="text-sm text-muted-foreground">{t("collections.empty")}</p>
      )}
      {data && data.length > 0 && (
        <ul className="flex flex-col gap-1">
          {data.map((collection) => {
            const selected = collection.id === selectedId;
            return (
              <li key={collection.id} className="flex items-center gap-1">
                <button
                  type="button"
                  data-testid="collection-item"
                  aria-current={selected ? "true" : undefined}
                  onClick={() => onSelect(collection.id)}
                  className={cn(
                    "flex min-w-0 flex-1 items-center gap-2 rounded-md px-3 py-2 text-left text-sm transition-colors",
                    selected ? "bg-accent text-accent-foreground" : "hover:bg-muted",
                  )}
                >
                  <FolderIcon aria-hidden className="size-4 shrink-0" />
                  <span className="min-w-0 flex-1">
                    <span className="block truncate font-medium">{collection.name}</span>
                    <span className="block text-xs text-muted-foreground">
                      {t("collections.documents", { count: collection.documents })}
                    </span>
                  </span>
                </button>
                <ConfirmDialog
                  trigger={
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      aria-label={t("collections.delete", { name: collection.name })}
                      data-testid="delete-collection"
                    >
                      <Trash2Icon />
                    </Button>
                  }
                  title={t("collections.deleteTitle", { name: collection.name })}
                  description={t("collections.deleteDescription", {
                    count: collection.documents,
                  })}
                  confirmLabel={common("delete")}
                  onConfirm={async () => {
                    await api.deleteCollection(collection.id);
                    onDeleted(collection);
                  }}
                  onError={admin.handleError}
                />
              </li>
            );
          })}
        </ul>
      )}
      <CreateCollectionForm onCreated={onCreated} />
    </section>
  );
}

function CreateCollectionForm({ onCreated }: { onCreated: (collection: Collection) => void }) {
  const t = useTranslations("documents");
  const admin = useAdmin();
  const id = useId();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim() || pending) return;
    setPending(true);
    setError(null);
    try {
      const collection = await api.createCollection(name.trim(), description.trim());
      setName("");
      setDescription("");
      onCreated(collection);
    } catch (failure) {
      if (!admin.handleError(failure)) setError(failure);
    } finally {
      setPending(false);
    }
  }

  const nameTaken = error !== null && toApiError(error).status === 409;
  return (
    <form
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
      className="flex flex-col gap-3 rounded-lg border p-3"
    >
      <h3 id={`${id}-title`} className="text-sm font-semibold">
        {t("collections.createTitle")}
      </h3>
      <label className="flex flex-col gap-1.5 text-sm">
        {t("collections.name")}
        <Input
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={200}
          aria-invalid={nameTaken || undefined}
          data-testid="collection-name"
        />
      </label>
      <label className="flex flex-col gap-1.5 text-sm">
        {t("collections.description")}
        <Input
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          maxLength={2000}
          data-testid="collection-description"
        />
      </label>
      {nameTaken ? (
        <p role="alert" className="text-sm text-destructive">
          {t("collections.nameTaken")}
        </p>
      ) : error ? (
        <ErrorMessage error={error} />
      ) : null}
      <Button type="submit" disabled={pending} className="self-start" data-testid="create-collection">
        {pending ? <Loader2Icon aria-hidden className="animate-spin" /> : <PlusIcon aria-hidden />}
        {t("collections.create")}
      </Button>
    </form>
  );
}
