import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { AdminGate } from "@/components/documents/admin-gate";
import { DocumentsWorkspace } from "@/components/documents/documents-workspace";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("documents");
  return { title: `${t("title")} · ChatGepeto` };
}

export default function DocumentsPage() {
  return (
    <AdminGate>
      <DocumentsWorkspace />
    </AdminGate>
  );
}
