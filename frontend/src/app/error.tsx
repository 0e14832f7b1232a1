"use client";
// A crash in a page shows a translated sentence and a retry, never a stack.
import { AlertTriangleIcon, RotateCwIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { Button } from "@/components/ui/button";

export default function PageError({ error, retry }: { error: unknown; retry: () => void }) {
  const t = useTranslations("errors");
  const common = useTranslations("common");

  useEffect(() => {
    console.error(error);
  }, [error]);

  return (
    <main className="flex flex-1 items-center justify-center p-6">
      <div role="alert" className="flex max-w-md flex-col items-center gap-4 text-center">
        <AlertTriangleIcon aria-hidden className="size-8 text-destructive" />
        <p>{t("unknown")}</p>
        <Button variant="outline" onClick={retry}>
          <RotateCwIcon aria-hidden />
          {common("retry")}
        </Button>
      </div>
    </main>
  );
}
