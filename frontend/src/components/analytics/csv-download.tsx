"use client";
/** "Download CSV": the export needs the admin token in a header, so it is fetched, then saved. */
import { DownloadIcon, Loader2Icon } from "lucide-react";
import { useLocale, useTranslations } from "next-intl";
import { useState } from "react";
import { useAdmin } from "@/components/documents/admin-gate";
import { ErrorMessage } from "@/components/errors/error-message";
import { Button } from "@/components/ui/button";
import { fetchAnalyticsCsv, saveBlob } from "@/lib/api/analytics";

export function CsvDownload({ collectionId, weeks }: { collectionId: string; weeks: number }) {
  const t = useTranslations("analytics.csv");
  const locale = useLocale();
  const admin = useAdmin();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      // Excel in Portuguese splits columns on ";" (its "," is the decimal mark).
      const { blob, filename } = await fetchAnalyticsCsv(collectionId, weeks, locale === "pt-BR" ? "semicolon" : "comma");
      saveBlob(blob, filename);
    } catch (failure) {
      if (!admin.handleError(failure)) setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      <Button
        variant="outline"
        onClick={download}
        disabled={busy}
        aria-describedby="csv-hint"
        data-testid="csv-download"
        className="self-start"
      >
        {busy ? <Loader2Icon aria-hidden className="animate-spin" /> : <DownloadIcon aria-hidden />}
        {busy ? t("downloading") : t("download")}
      </Button>
      <p id="csv-hint" className="text-xs text-muted-foreground">
        {t("hint")}
      </p>
      {error ? <ErrorMessage error={error} onRetry={download} /> : null}
    </div>
  );
}
