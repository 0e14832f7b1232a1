import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { StudyScreen } from "@/components/study/study-screen";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("study");
  return { title: `${t("title")} · ChatGepeto` };
}

// The page reads `?set=<id>`, so it renders under a Suspense boundary.
export default function StudyPage() {
  return (
    <Suspense>
      <StudyScreen />
    </Suspense>
  );
}
