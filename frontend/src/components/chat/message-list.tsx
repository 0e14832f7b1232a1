"use client";
import { useTranslations } from "next-intl";
import type { Citation } from "@/lib/api/schemas";
import { messageText } from "@/lib/chat/answer";
import type { ChatMessage } from "@/lib/chat/types";
import { AssistantMessage, TypingDots } from "./assistant-message";
import { UserMessage } from "./user-message";

type Props = {
  messages: ChatMessage[];
  busy: boolean;
  onCite: (citation: Citation) => void;
  onRegenerate: () => void;
};

/** The conversation's turns; the last answer streams, and only it can be regenerated. */
export function MessageList({ messages, busy, onCite, onRegenerate }: Props) {
  const t = useTranslations("chat");
  const last = messages.at(-1);
  // Until the first words arrive (kept out of the answer itself, which holds only answer text).
  const waiting = busy && (last?.role === "user" || (last !== undefined && !messageText(last)));
  return (
    <ol className="flex flex-col gap-6" aria-label={t("conversationLabel")}>
      {messages.map((message, index) => {
        const isLast = index === messages.length - 1;
        return (
          <li key={message.id}>
            {message.role === "user" ? (
              <UserMessage message={message} label={t("youAsked")} />
            ) : (
              <AssistantMessage
                message={message}
                streaming={busy && isLast}
                onCite={onCite}
                onRegenerate={isLast && !busy ? onRegenerate : undefined}
              />
            )}
          </li>
        );
      })}
      {waiting && (
        <li>
          <TypingDots label={t("thinking")} />
        </li>
      )}
    </ol>
  );
}
