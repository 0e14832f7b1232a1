"use client";
/** Questions, unanswered questions and thumbs-down answers per week: a chart, and the same
 * numbers in a table for screen readers and keyboard users (and whoever wants the figures). */
import { useFormatter, useTranslations } from "next-intl";
import { useCallback, useMemo } from "react";
import { PanelLoading } from "@/components/sources/panel-loading";
import type { WeekCounts } from "@/lib/api/analytics";
import { lazyModule, useLazyModule } from "@/lib/lazy-module";
import type { Series } from "./weekly-bars";

export const weeklyBars = lazyModule(() => import("./weekly-bars"));

/** A week's Monday (a "YYYY-MM-DD" date, UTC) as a short date: "30 de nov." / "Nov 30". */
export function useWeekLabel() {
  const format = useFormatter();
  return useCallback(
    (start: string) =>
      format.dateTime(new Date(`${start}T00:00:00Z`), { day: "numeric", month: "short", timeZone: "UTC" }),
    [format],
  );
}

export function WeeklyChart({ weeks }: { weeks: WeekCounts[] }) {
  const t = useTranslations("analytics");
  const weekLabel = useWeekLabel();
  const bars = useLazyModule(weeklyBars);
  const labels = useMemo(() => weeks.map((w) => weekLabel(w.start)), [weeks, weekLabel]);
  const series = useMemo<Series[]>(
    () => [
      { label: t("totals.questions"), data: weeks.map((w) => w.questions), kind: "questions" },
      { label: t("totals.unanswered"), data: weeks.map((w) => w.unanswered), kind: "unanswered" },
      { label: t("totals.thumbsDown"), data: weeks.map((w) => w.thumbs_down), kind: "thumbsDown" },
    ],
    [weeks, t],
  );
  const description = t("chart.description", { from: labels[0] ?? "", to: labels.at(-1) ?? "" });

  return (
    <section aria-labelledby="weekly-heading" className="flex min-w-0 flex-col gap-3 rounded-lg border p-4">
      <h2 id="weekly-heading" className="text-base font-semibold">
        {t("chart.title")}
      </h2>
      <div className="relative h-64 w-full" data-testid="weekly-chart">
        {bars ? (
          <bars.WeeklyBars labels={labels} series={series} description={description} />
        ) : (
          <PanelLoading label={t("chart.loading")} />
        )}
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer rounded-sm font-medium text-primary focus-visible:outline-2 focus-visible:outline-ring">
          {t("chart.showTable")}
        </summary>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left tabular-nums" data-testid="weekly-table">
            <caption className="sr-only">{t("chart.title")}</caption>
            <thead className="text-muted-foreground">
              <tr>
                <th scope="col" className="py-1 pr-3 font-medium">
                  {t("chart.week")}
                </th>
                <th scope="col" className="py-1 pr-3 text-right font-medium">
                  {t("totals.questions")}
                </th>
                <th scope="col" className="py-1 pr-3 text-right font-medium">
                  {t("totals.unanswered")}
                </th>
                <th scope="col" className="py-1 text-right font-medium">
                  {t("totals.thumbsDown")}
                </th>
              </tr>
            </thead>
            <tbody>
              {weeks.map((w, i) => (
                <tr key={w.week} className="border-t">
                  <th scope="row" className="py-1 pr-3 font-normal">
                    <abbr title={w.week} className="no-underline">
                      {labels[i]}
                    </abbr>
                  </th>
                  <td className="py-1 pr-3 text-right">{w.questions}</td>
                  <td className="py-1 pr-3 text-right">{w.unanswered}</td>
                  <td className="py-1 text-right">{w.thumbs_down}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
