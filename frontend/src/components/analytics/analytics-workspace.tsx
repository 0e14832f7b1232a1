"use client";
/** The teacher's analytics once signed in: pick a collection and a period, read its report. */
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useEffect, useEffectEvent, useId, useState } from "react";
import { useAdmin } from "@/components/documents/admin-gate";
import { ErrorMessage } from "@/components/errors/error-message";
import { PanelLoading } from "@/components/sources/panel-loading";
import { DEFAULT_WEEKS, fetchAnalytics, WEEK_CHOICES, type AnalyticsReport } from "@/lib/api/analytics";
import { api } from "@/lib/api/client";
import { useResource } from "@/lib/documents/use-resource";
import { CsvDownload } from "./csv-download";
import { ThumbsDownTable, UnansweredTable } from "./question-tables";
import { TopicsList } from "./topics-list";
import { WeeklyChart } from "./weekly-chart";

const select =
  "h-9 w-full min-w-0 rounded-md border border-input bg-background px-2 text-sm disabled:opacity-60 sm:w-auto sm:max-w-xs";

export function AnalyticsWorkspace() {
  const t = useTranslations("analytics");
  const common = useTranslations("common");
  const admin = useAdmin();
  const collectionField = useId();
  const weeksField = useId();
  const collections = useResource("collections", api.collections);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const [weeks, setWeeks] = useState<number>(DEFAULT_WEEKS);
  const items = collections.data ?? [];
  const selected = items.find((c) => c.id === chosenId) ?? items[0] ?? null;
  const report = useResource(selected ? `${selected.id}:${weeks}` : null, () =>
    fetchAnalytics(selected?.id ?? "", weeks),
  );

  // A token that stopped working sends the teacher back to the token form.
  const onError = useEffectEvent((error: unknown) => admin.handleError(error));
  useEffect(() => {
    if (report.error) onError(report.error);
  }, [report.error]);

  return (
    <div className="flex min-h-0 min-w-0 flex-1 flex-col gap-4 overflow-y-auto p-4">
      <p className="text-sm text-muted-foreground">{t("intro")}</p>

      {collections.error ? <ErrorMessage error={collections.error} onRetry={collections.reload} /> : null}
      {collections.data === undefined && collections.loading && <PanelLoading label={common("loading")} />}
      {collections.data?.length === 0 && (
        <p className="rounded-lg border border-dashed p-6 text-sm text-muted-foreground" data-testid="no-collections">
          <Link href="/documents" className="font-medium text-primary underline underline-offset-2">
            {t("noCollections")}
          </Link>
        </p>
      )}

      {selected && (
        <>
          <form
            aria-label={t("controls.label")}
            className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-end"
            onSubmit={(event) => event.preventDefault()}
          >
            <label htmlFor={collectionField} className="flex min-w-0 flex-col gap-1.5 text-sm font-medium">
              {t("controls.collection")}
              <select
                id={collectionField}
                data-testid="analytics-collection"
                value={selected.id}
                onChange={(event) => setChosenId(event.target.value)}
                className={select}
              >
                {items.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <label htmlFor={weeksField} className="flex flex-col gap-1.5 text-sm font-medium">
              {t("controls.weeks")}
              <select
                id={weeksField}
                data-testid="analytics-weeks"
                value={weeks}
                onChange={(event) => setWeeks(Number(event.target.value))}
                className={select}
              >
                {WEEK_CHOICES.map((n) => (
                  <option key={n} value={n}>
                    {t("controls.weeksOption", { count: n })}
                  </option>
                ))}
              </select>
            </label>
            <div className="sm:ml-auto">
              <CsvDownload collectionId={selected.id} weeks={weeks} />
            </div>
          </form>
          <p className="text-xs text-muted-foreground">{t("controls.timezone")}</p>

          <div aria-live="polite" aria-busy={report.loading} className="flex min-w-0 flex-col gap-4">
            {report.error && !report.loading ? <ErrorMessage error={report.error} onRetry={report.reload} /> : null}
            {report.data === undefined && report.loading && <PanelLoading label={common("loading")} />}
            {report.data && <Report report={report.data} />}
          </div>
        </>
      )}
    </div>
  );
}

function Report({ report }: { report: AnalyticsReport }) {
  const t = useTranslations("analytics");
  if (report.questions_total === 0) {
    return (
      <p className="rounded-lg border border-dashed p-6 text-sm text-muted-foreground" data-testid="analytics-empty">
        {t("empty")}
      </p>
    );
  }
  const totals = [
    { label: t("totals.questions"), value: report.questions_total, testId: "total-questions" },
    { label: t("totals.unanswered"), value: report.unanswered_total, testId: "total-unanswered" },
    { label: t("totals.thumbsDown"), value: report.thumbs_down_total, testId: "total-thumbs-down" },
  ];
  return (
    <div className="flex min-w-0 flex-col gap-4" data-testid="analytics-report">
      <dl aria-label={t("totals.label")} className="grid grid-cols-3 gap-2">
        {totals.map((total) => (
          <div key={total.testId} className="flex flex-col-reverse rounded-lg border p-3">
            <dt className="text-xs text-muted-foreground">{total.label}</dt>
            <dd className="text-2xl font-semibold tabular-nums" data-testid={total.testId}>
              {total.value}
            </dd>
          </div>
        ))}
      </dl>
      <div className="grid min-w-0 gap-4 lg:grid-cols-2">
        <WeeklyChart weeks={report.weeks} />
        <TopicsList topics={report.topics} />
      </div>
      <UnansweredTable items={report.unanswered} total={report.unanswered_total} lowScore={report.low_score} />
      <ThumbsDownTable items={report.thumbs_down} total={report.thumbs_down_total} />
    </div>
  );
}
