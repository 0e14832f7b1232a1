"use client";
/** "Are you sure?" before deleting: Radix AlertDialog (focus trap, Esc, labelled). */
import { Loader2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { AlertDialog } from "radix-ui";
import { useState } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { buttonVariants } from "@/components/ui/button";
import { cn } from "@/lib/utils";

export type ConfirmDialogProps = {
  /** The button that opens the dialog (rendered as is, via asChild). */
  trigger: React.ReactNode;
  title: string;
  description: string;
  confirmLabel: string;
  /** Runs on confirm; the dialog closes when it resolves and shows the error if it throws. */
  onConfirm: () => Promise<void>;
  /** Errors the dialog should not show itself (e.g. a 401 that sends back to the token form). */
  onError?: (error: unknown) => boolean;
  confirmTestId?: string;
};

export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  onConfirm,
  onError,
  confirmTestId = "confirm-delete",
}: ConfirmDialogProps) {
  const common = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (failure) {
      if (onError?.(failure)) return;
      setError(failure);
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(next) => {
        if (pending) return;
        setOpen(next);
        if (!next) setError(null);
      }}
    >
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
        <AlertDialog.Content
          className="fixed left-1/2 top-1/2 z-50 flex w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 flex-col gap-4 rounded-lg border bg-background p-5 shadow-xl"
          data-testid="confirm-dialog"
        >
          <AlertDialog.Title className="text-base font-semibold">{title}</AlertDialog.Title>
          <AlertDialog.Description className="text-sm break-words text-muted-foreground">
            {description}
          </AlertDialog.Description>
          {error ? <ErrorMessage error={error} /> : null}
          <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
            <AlertDialog.Cancel className={buttonVariants({ variant: "outline" })} disabled={pending}>
              {common("cancel")}
            </AlertDialog.Cancel>
            {/* Not AlertDialog.Action: that would close the dialog before the deletion is done. */}
            <button
              type="button"
              className={cn(buttonVariants({ variant: "destructive" }))}
              onClick={confirm}
              disabled={pending}
              data-testid={confirmTestId}
            >
              {pending && <Loader2Icon aria-hidden className="animate-spin" />}
              {confirmLabel}
            </button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
