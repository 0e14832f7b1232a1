import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { AnalyticsWorkspace } from "@/components/analytics/analytics-workspace";
import { AdminGate } from "@/components/documents/admin-gate";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("analytics");
  return { title: `${t("title")} · ChatGepeto` };
}

export default async function AnalyticsPage() {
  const t = await getTranslations("analytics");
  return (
    <AdminGate title={t("title")}>
      <AnalyticsWorkspace />
    </AdminGate>
  );
}
