"use client";
import { SendHorizontalIcon, SquareIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useLayoutEffect, useRef } from "react";
import { Button } from "@/components/ui/button";

const MAX_LINES = 8;
export const QUESTION_MAX_LENGTH = 4000;

type Props = {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  busy: boolean;
  canSend: boolean;
  hint?: string;
};

/** The question box: Enter sends, Shift+Enter breaks the line; grows up to eight lines. */
export function Composer({ value, onChange, onSend, onStop, busy, canSend, hint }: Props) {
  const t = useTranslations("chat.composer");
  const ref = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const style = window.getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || 20;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) || 0;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, line * MAX_LINES + padding + 2)}px`;
  }, [value]);

  const ready = canSend && !busy && value.trim().length > 0;

  function onKeyDown(event: React.KeyboardEvent<HTMLTextAreaElement>) {
    // keyCode 229: some browsers' IMEs report Enter while a composition is still open.
    const composing = event.nativeEvent.isComposing || event.keyCode === 229;
    if (event.key !== "Enter" || event.shiftKey || composing) return;
    event.preventDefault();
    if (ready) onSend();
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) onSend();
      }}
      className="flex flex-col gap-1"
    >
      <div className="flex items-end gap-2 rounded-xl border border-input bg-background p-2 shadow-sm focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-ring">
        <textarea
          ref={ref}
          data-testid="composer"
          aria-label={t("label")}
          aria-describedby={hintId}
          placeholder={t("placeholder")}
          rows={1}
          maxLength={QUESTION_MAX_LENGTH}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          className="max-h-60 min-h-9 flex-1 resize-none overflow-y-auto bg-transparent px-2 py-1.5 text-base leading-6 outline-none placeholder:text-muted-foreground sm:text-sm"
        />
        {busy ? (
          <Button
            type="button"
            size="icon"
            variant="outline"
            data-testid="stop"
            aria-label={t("stop")}
            title={t("stop")}
            onClick={onStop}
          >
            <SquareIcon aria-hidden className="fill-current" />
          </Button>
        ) : (
          <Button
            type="submit"
            size="icon"
            data-testid="send"
            aria-label={t("send")}
            title={t("send")}
            disabled={!ready}
          >
            <SendHorizontalIcon aria-hidden />
          </Button>
        )}
      </div>
      <p id={hintId} className="px-1 text-xs text-muted-foreground">
        {hint ?? t("hint")}
      </p>
    </form>
  );
}
