"use client";
/**
 * The week-by-week bar chart (chart.js on a canvas). Its own chunk: only the analytics page
 * loads it, after the page is up (see weekly-chart.tsx). Colors come from the theme's CSS
 * variables and follow the light/dark switch.
 */
import { BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartOptions } from "chart.js";
import { useTheme } from "next-themes";
import { useMemo } from "react";
import { Bar } from "react-chartjs-2";

// Only what a bar chart uses, so the bundler leaves the rest of chart.js out.
Chart.register(BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export type Series = { label: string; data: number[]; token: "primary" | "highlight" | "destructive" };

/** A theme color as rgb(): canvas code cannot read CSS variables, and chart.js's color math
 * (hover shades) cannot parse oklch(), so the browser converts it by painting one pixel. */
function themeColor(token: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(`--${token}`).trim();
  const context = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  if (!value || !context) return value || "gray";
  context.fillStyle = value;
  context.fillRect(0, 0, 1, 1);
  const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
  return `rgb(${r}, ${g}, ${b})`;
}

export function WeeklyBars({
  labels,
  series,
  description,
}: {
  labels: string[];
  series: Series[];
  description: string;
}) {
  const { resolvedTheme } = useTheme();
  const { data, options } = useMemo(() => {
    void resolvedTheme; // the colors are read again when the theme changes
    const text = themeColor("muted-foreground");
    const grid = themeColor("border");
    const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
    const options: ChartOptions<"bar"> = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : undefined,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { color: text }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
      },
      plugins: { legend: { position: "bottom", labels: { color: text, boxWidth: 12 } } },
    };
    const data = {
      labels,
      datasets: series.map((s) => {
        const color = themeColor(s.token);
        return { label: s.label, data: s.data, backgroundColor: color, hoverBackgroundColor: color, borderRadius: 3 };
      }),
    };
    return { data, options };
  }, [labels, series, resolvedTheme]);

  return <Bar data={data} options={options} role="img" aria-label={description} />;
}
