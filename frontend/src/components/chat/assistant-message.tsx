"use client";
import { useTranslations } from "next-intl";
import type { Citation } from "@/lib/api/schemas";
import { answerView } from "@/lib/chat/answer";
import type { ChatMessage } from "@/lib/chat/types";
import { AnswerActions } from "./answer-actions";
import { AnswerBadges } from "./answer-badges";
import { AnswerText } from "./answer-text";
import { SourceList } from "./source-list";

type Props = {
  message: ChatMessage;
  streaming: boolean;
  onCite: (citation: Citation) => void;
  /** Only the last answer, once finished, can be regenerated. */
  onRegenerate?: () => void;
};

export function AssistantMessage({ message, streaming, onCite, onRegenerate }: Props) {
  const t = useTranslations("chat");
  const view = answerView(message);
  // A failed answer that never said anything: the error below says it all.
  if (!streaming && !view.text && view.citations.length === 0) return null;
  return (
    <article
      data-testid="assistant-message"
      data-state={streaming ? "streaming" : "done"}
      aria-label={t("answerLabel")}
      aria-busy={streaming}
      className="w-full min-w-0"
    >
      <AnswerBadges metadata={view.metadata} />
      <div className="text-[0.95rem] leading-relaxed break-words">
        {view.text && <AnswerText text={view.text} citations={view.citations} onCite={onCite} />}
      </div>
      <SourceList citations={view.citations} onSelect={onCite} />
      {!streaming && view.text && (
        <AnswerActions text={view.text} messageId={view.messageId} onRegenerate={onRegenerate} />
      )}
    </article>
  );
}

export function TypingDots({ label }: { label: string }) {
  return (
    <span
      data-testid="thinking"
      className="inline-flex items-center gap-2 text-sm text-muted-foreground"
    >
      <span aria-hidden className="inline-flex gap-1">
        <span className="size-1.5 animate-bounce rounded-full bg-current [animation-delay:-0.3s]" />
        <span className="size-1.5 animate-bounce rounded-full bg-current [animation-delay:-0.15s]" />
        <span className="size-1.5 animate-bounce rounded-full bg-current" />
      </span>
      {label}
    </span>
  );
}
