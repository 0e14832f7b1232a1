"use client";
import { Trash2Icon } from "lucide-react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
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
  return (
    <ConfirmDialog
      trigger={
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
      }
      title={t("title")}
      description={t("description", { title: conversation.title })}
      confirmLabel={common("delete")}
      confirmTestId="history-confirm-delete"
      onConfirm={async () => {
        await api.deleteConversation(conversation.id);
        onDeleted(conversation.id);
      }}
    />
  );
}
