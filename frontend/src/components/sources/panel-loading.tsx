import { Loader2Icon } from "lucide-react";

/** A spinner with a visible, announced label. */
export function PanelLoading({ label }: { label: string }) {
  return (
    <p role="status" className="flex items-center gap-2 p-4 text-sm text-muted-foreground">
      <Loader2Icon aria-hidden className="size-4 animate-spin" />
      {label}
    </p>
  );
}
