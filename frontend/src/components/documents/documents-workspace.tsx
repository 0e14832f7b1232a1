"use client";
/** The teacher's page once signed in: collections on one side, the selected one's files on the other. */
import { useTranslations } from "next-intl";
import { useState } from "react";
import { api } from "@/lib/api/client";
import type { DocumentInfo } from "@/lib/api/schemas";
import { useUploadLimits } from "@/lib/documents/use-app-config";
import { useDocuments } from "@/lib/documents/use-documents";
import { useResource } from "@/lib/documents/use-resource";
import { useAdmin } from "./admin-gate";
import { CollectionsPanel } from "./collections-panel";
import { DocumentList } from "./document-list";
import { UploadZone } from "./upload-zone";

export function DocumentsWorkspace() {
  const t = useTranslations("documents");
  const admin = useAdmin();
  const limits = useUploadLimits();
  const collections = useResource("collections", api.collections);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const items = collections.data ?? [];
  const selected = items.find((c) => c.id === chosenId) ?? items[0] ?? null;
  const documents = useDocuments(selected?.id ?? null);

  async function deleteDocument(document: DocumentInfo) {
    await api.deleteDocument(document.id);
    documents.reload();
    collections.reload();
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-6 overflow-y-auto p-4 lg:flex-row lg:items-start">
      <aside className="w-full shrink-0 lg:sticky lg:top-0 lg:w-80">
        <CollectionsPanel
          collections={collections}
          selectedId={selected?.id ?? null}
          onSelect={setChosenId}
          onCreated={(collection) => {
            setChosenId(collection.id);
            collections.reload();
          }}
          onDeleted={() => collections.reload()}
        />
      </aside>
      <section
        className="flex min-w-0 flex-1 flex-col gap-6"
        aria-labelledby={selected ? "selected-collection" : undefined}
      >
        {selected ? (
          <>
            <header className="flex flex-col gap-1">
              <h2
                id="selected-collection"
                className="break-words text-xl font-semibold"
                data-testid="selected-collection"
              >
                {selected.name}
              </h2>
              {selected.description && (
                <p className="text-sm text-muted-foreground">{selected.description}</p>
              )}
            </header>
            <UploadZone
              collectionId={selected.id}
              limits={limits}
              onUploaded={(collectionId) => {
                if (collectionId === selected.id) documents.reload();
                collections.reload();
              }}
            />
            <DocumentList
              documents={documents}
              onDelete={deleteDocument}
              onDeleteError={admin.handleError}
            />
          </>
        ) : (
          collections.data && (
            <p className="rounded-lg border border-dashed p-6 text-sm text-muted-foreground">
              {t("collections.pickOrCreate")}
            </p>
          )
        )}
      </section>
    </div>
  );
}
