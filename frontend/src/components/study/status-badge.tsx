"use client";
import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import type { Status } from "@/lib/api/schemas";

const VARIANT = { queued: "outline", running: "secondary", ready: "default", failed: "destructive" } as const;

/** Where a study set's job is: queued, building, ready or failed. */
export function StatusBadge({ status }: { status: Status }) {
  const t = useTranslations("study.status");
  return (
    <Badge variant={VARIANT[status]} data-testid="study-status">
      {t(status)}
    </Badge>
  );
}
