"use client";
import { BookOpenTextIcon, GalleryVerticalEndIcon, ListChecksIcon, Loader2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { api } from "@/lib/api/client";
import type { DocumentInfo } from "@/lib/api/schemas";
import { STUDY_KINDS, studyApi, type NewStudySet, type StudyKind, type StudySet } from "@/lib/api/study";
import { useResource } from "@/lib/documents/use-resource";
import { cn } from "@/lib/utils";
import { StudyError } from "./study-error";

export const MAX_COUNT = 50;
const KIND_ICONS = { quiz: ListChecksIcon, flashcards: GalleryVerticalEndIcon, guide: BookOpenTextIcon };

type Draft = { kind: StudyKind; documentId: string; from: string; to: string; count: string };
const EMPTY: Draft = { kind: "quiz", documentId: "", from: "", to: "", count: "10" };

type Problem = { field: "from" | "to" | "count"; message: string };

/** What the form would send, or the first field that is wrong (in the user's words). */
function check(
  draft: Draft,
  collectionId: string,
  document: DocumentInfo | undefined,
  t: (key: string, values?: Record<string, number>) => string,
): NewStudySet | Problem {
  const count = Number(draft.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    return { field: "count", message: t("badCount") };
  }
  const body: NewStudySet = { kind: draft.kind, collection_id: collectionId, count };
  if (!document) return body;
  body.document_id = document.id;
  const max = document.pages ?? 100_000;
  const page = (value: string) => (value.trim() ? Number(value) : undefined);
  const from = page(draft.from);
  const to = page(draft.to);
  for (const [field, value] of [["from", from], ["to", to]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > max)) {
      return { field, message: t("badPage", { max }) };
    }
  }
  if (from !== undefined && to !== undefined && from > to) return { field: "to", message: t("badRange") };
  if (from !== undefined) body.page_from = from;
  if (to !== undefined) body.page_to = to;
  return body;
}

/** Choose a tool, the material (the collection, or one ready document and its pages) and a count. */
export function CreateForm({
  collectionId,
  onCreated,
}: {
  collectionId: string;
  onCreated: (set: StudySet) => void;
}) {
  const t = useTranslations("study.create");
  const kinds = useTranslations("study.kinds");
  const id = useId();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const documents = useResource(collectionId, () => api.documents(collectionId));
  const document = documents.data?.find((d) => d.id === draft.documentId && d.status === "ready");

  const update = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setProblem(null);
    setError(null);
  };

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (pending) return;
    const checked = check(draft, collectionId, document, t);
    if ("field" in checked) {
      setProblem(checked);
      window.document.getElementById(`${id}-${checked.field}`)?.focus();
      return;
    }
    setPending(true);
    setError(null);
    try {
      const created = await studyApi.create(checked);
      onCreated(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setPending(false);
    }
  }

  const problemId = `${id}-problem`;
  const invalid = (field: Problem["field"]) =>
    problem?.field === field ? { "aria-invalid": true, "aria-describedby": problemId } : {};

  return (
    <section aria-labelledby={`${id}-title`} className="rounded-xl border bg-card p-4">
      <h2 id={`${id}-title`} className="mb-3 font-semibold">
        {t("title")}
      </h2>
      <form onSubmit={submit} noValidate className="flex flex-col gap-4" data-testid="study-create">
        <fieldset>
          <legend className="mb-2 text-sm font-medium">{t("tool")}</legend>
          <div className="grid gap-2 sm:grid-cols-3">
            {STUDY_KINDS.map((kind) => {
              const Icon = KIND_ICONS[kind];
              const checked = draft.kind === kind;
              return (
                <label
                  key={kind}
                  className={cn(
                    "flex cursor-pointer items-start gap-2 rounded-lg border p-3 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring",
                    checked ? "border-primary bg-accent text-accent-foreground" : "hover:bg-muted",
                  )}
                >
                  <input
                    type="radio"
                    name={`${id}-kind`}
                    value={kind}
                    checked={checked}
                    onChange={() => update({ kind })}
                    data-testid={`study-kind-${kind}`}
                    className="mt-1 accent-primary"
                    aria-describedby={`${id}-${kind}-description`}
                  />
                  <span className="flex min-w-0 flex-col gap-0.5">
                    <span className="flex items-center gap-1.5 font-medium">
                      <Icon aria-hidden className="size-4 shrink-0" />
                      {kinds(kind)}
                    </span>
                    <span id={`${id}-${kind}-description`} className="text-xs opacity-80">
                      {t(`descriptions.${kind}`)}
                    </span>
                  </span>
                </label>
              );
            })}
          </div>
        </fieldset>

        <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
          <div className="flex min-w-0 flex-col gap-1.5">
            <label htmlFor={`${id}-scope`} className="text-sm font-medium">
              {t("scope")}
            </label>
            <select
              id={`${id}-scope`}
              data-testid="study-scope"
              value={draft.documentId}
              onChange={(e) => update({ documentId: e.target.value, from: "", to: "" })}
              className="h-9 w-full min-w-0 truncate rounded-md border border-input bg-background px-2 text-sm"
            >
              <option value="">{t("wholeCollection")}</option>
              {documents.data?.map((d) => (
                <option key={d.id} value={d.id} disabled={d.status !== "ready"}>
                  {d.status !== "ready"
                    ? t("documentNotReady", { filename: d.filename })
                    : d.pages
                      ? t("documentPages", { filename: d.filename, pages: d.pages })
                      : t("document", { filename: d.filename })}
                </option>
              ))}
            </select>
            {documents.loading && !documents.data && (
              <p role="status" className="text-xs text-muted-foreground">
                {t("loadingDocuments")}
              </p>
            )}
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor={`${id}-count`} className="text-sm font-medium">
              {t(`count.${draft.kind}`)}
            </label>
            <Input
              id={`${id}-count`}
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_COUNT}
              value={draft.count}
              onChange={(e) => update({ count: e.target.value })}
              data-testid="study-count"
              className="w-full sm:w-28"
              aria-describedby={problem?.field === "count" ? problemId : `${id}-count-hint`}
              aria-invalid={problem?.field === "count" || undefined}
            />
            <p id={`${id}-count-hint`} className="text-xs text-muted-foreground">
              {t("countHint")}
            </p>
          </div>
        </div>

        {document && (
          <fieldset className="flex flex-col gap-1.5">
            <legend className="mb-1.5 text-sm font-medium">{t("pages")}</legend>
            <div className="flex flex-wrap items-end gap-3">
              {(["from", "to"] as const).map((field) => (
                <div key={field} className="flex flex-col gap-1">
                  <label htmlFor={`${id}-${field}`} className="text-xs">
                    {t(field === "from" ? "pageFrom" : "pageTo")}
                  </label>
                  <Input
                    id={`${id}-${field}`}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={document.pages ?? undefined}
                    value={draft[field]}
                    onChange={(e) => update({ [field]: e.target.value })}
                    data-testid={`study-page-${field}`}
                    className="w-28"
                    {...invalid(field)}
                  />
                </div>
              ))}
            </div>
            <p className="text-xs text-muted-foreground">
              {document.pages ? t("pagesHintMax", { pages: document.pages }) : t("pagesHint")}
            </p>
          </fieldset>
        )}

        {problem && (
          <p id={problemId} role="alert" className="text-sm text-destructive" data-testid="study-form-problem">
            {problem.message}
          </p>
        )}
        {error !== null && <StudyError error={error} />}

        <Button type="submit" className="self-start" disabled={pending} data-testid="study-submit">
          {pending && <Loader2Icon aria-hidden className="animate-spin" />}
          {pending ? t("submitting") : t("submit")}
        </Button>
      </form>
    </section>
  );
}
