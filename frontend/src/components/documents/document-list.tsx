"use client";
import { useTranslations } from "next-intl";
import { ErrorMessage } from "@/components/errors/error-message";
import { PanelLoading } from "@/components/sources/panel-loading";
import type { DocumentInfo } from "@/lib/api/schemas";
import type { Resource } from "@/lib/documents/use-resource";
import { DocumentRow } from "./document-row";

export type DocumentListProps = {
  documents: Resource<DocumentInfo[]>;
  onDelete: (document: DocumentInfo) => Promise<void>;
  onDeleteError?: (error: unknown) => boolean;
};

export function DocumentList({ documents, onDelete, onDeleteError }: DocumentListProps) {
  const t = useTranslations("documents");
  const common = useTranslations("common");
  const { data, error, loading, reload } = documents;

  return (
    <section aria-labelledby="documents-heading" className="flex flex-col gap-3">
      <h2 id="documents-heading" className="text-base font-semibold">
        {t("list.title")}
      </h2>
      {error ? <ErrorMessage error={error} onRetry={reload} /> : null}
      {data === undefined && loading && <PanelLoading label={common("loading")} />}
      {data?.length === 0 && (
        <p className="rounded-lg border border-dashed p-4 text-sm text-muted-foreground">
          {t("list.empty")}
        </p>
      )}
      {data && data.length > 0 && (
        <ul className="flex flex-col gap-2" data-testid="document-list">
          {data.map((document) => (
            <DocumentRow
              key={document.id}
              document={document}
              onDelete={onDelete}
              onDeleteError={onDeleteError}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
