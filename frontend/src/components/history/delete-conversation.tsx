"use client";
import { Trash2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { AlertDialog } from "radix-ui";
import { useState } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { Button } from "@/components/ui/button";
import { api } from "@/lib/api/client";
import type { ConversationSummary } from "@/lib/api/schemas";

/** The trash button of a history item, with a confirmation dialog. */
export function DeleteConversation({
  conversation,
  onDeleted,
}: {
  conversation: ConversationSummary;
  onDeleted: (id: string) => void;
}) {
  const t = useTranslations("history.delete");
  const common = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function confirm(event: React.MouseEvent) {
    event.preventDefault(); // keep the dialog open until the server has answered
    setPending(true);
    setError(null);
    try {
      await api.deleteConversation(conversation.id);
      setOpen(false);
      onDeleted(conversation.id);
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  }

  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setError(null);
      }}
    >
      <AlertDialog.Trigger asChild>
        <Button
          variant="ghost"
          size="icon-sm"
          data-testid="history-delete"
          aria-label={t("button", { title: conversation.title })}
          title={common("delete")}
          className="shrink-0 text-muted-foreground opacity-100 hover:text-destructive md:opacity-0 md:group-hover:opacity-100 md:group-focus-within:opacity-100"
        >
          <Trash2Icon aria-hidden />
        </Button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-50 bg-black/40" />
        <AlertDialog.Content className="fixed top-1/2 left-1/2 z-50 w-[calc(100%-2rem)] max-w-sm -translate-x-1/2 -translate-y-1/2 rounded-lg border bg-background p-5 shadow-xl">
          <AlertDialog.Title className="text-base font-semibold">{t("title")}</AlertDialog.Title>
          <AlertDialog.Description className="mt-2 text-sm break-words text-muted-foreground">
            {t("description", { title: conversation.title })}
          </AlertDialog.Description>
          {error !== null && (
            <div className="mt-3">
              <ErrorMessage error={error} />
            </div>
          )}
          <div className="mt-5 flex justify-end gap-2">
            <AlertDialog.Cancel asChild>
              <Button variant="outline">{common("cancel")}</Button>
            </AlertDialog.Cancel>
            <AlertDialog.Action asChild>
              <Button
                variant="destructive"
                data-testid="history-confirm-delete"
                disabled={pending}
                onClick={confirm}
              >
                {common("delete")}
              </Button>
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
