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

export type Series = { label: string; data: number[]; kind: "questions" | "unanswered" | "thumbsDown" };

// Each kind of bar: a theme variable, or a light and a dark color where the theme has none
// that stands out at 3:1 on the background (WCAG 1.4.11; the theme's --highlight is too pale).
const PALETTE: Record<Series["kind"], string | { light: string; dark: string }> = {
  questions: "primary",
  unanswered: { light: "#d97706", dark: "#fbbf24" }, // amber 600 / 400
  thumbsDown: "destructive",
};

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
    // resolvedTheme is a dependency: the theme's colors are read again when it changes.
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
        const paint = PALETTE[s.kind];
        const color = typeof paint === "string" ? themeColor(paint) : paint[resolvedTheme === "dark" ? "dark" : "light"];
        return { label: s.label, data: s.data, backgroundColor: color, hoverBackgroundColor: color, borderRadius: 3 };
      }),
    };
    return { data, options };
  }, [labels, series, resolvedTheme]);

  return <Bar data={data} options={options} role="img" aria-label={description} />;
}
