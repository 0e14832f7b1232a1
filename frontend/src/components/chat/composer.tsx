"use client";
import { GraduationCapIcon, SendHorizontalIcon, SquareIcon } from "lucide-react";
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
  /** Tutor mode: answers are a hint and a guiding question (the switch under the box). */
  tutor: boolean;
  onTutorChange: (on: boolean) => void;
};

/**
 * The question box: Enter sends, Shift+Enter breaks the line; grows up to eight lines. Under it,
 * the hint and the tutor mode switch.
 */
export function Composer({ value, onChange, onSend, onStop, busy, canSend, hint, tutor, onTutorChange }: Props) {
  const t = useTranslations("chat.composer");
  const ref = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const tutorHintId = useId();

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
      <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 px-1">
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint ?? t("hint")}
        </p>
        <label
          className="flex cursor-pointer items-center gap-1.5 rounded-md text-xs font-medium has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-ring"
          title={t("tutorHint")}
        >
          {/* A real checkbox (role="switch") laid over the drawn track: clicks and keys reach it. */}
          <span className="relative inline-flex h-4 w-7 shrink-0">
            <input
              type="checkbox"
              role="switch"
              data-testid="tutor-switch"
              checked={tutor}
              aria-checked={tutor}
              aria-describedby={tutorHintId}
              onChange={(e) => onTutorChange(e.target.checked)}
              className="peer absolute inset-0 z-10 m-0 size-full cursor-pointer opacity-0"
            />
            <span
              aria-hidden
              className="pointer-events-none absolute inset-0 rounded-full bg-input ring-1 ring-muted-foreground/40 ring-inset transition-colors peer-checked:bg-primary after:absolute after:top-0.5 after:left-0.5 after:size-3 after:rounded-full after:bg-background after:shadow after:transition-transform peer-checked:after:translate-x-3"
            />
          </span>
          <GraduationCapIcon aria-hidden className="size-3.5" />
          {t("tutor")}
          <span id={tutorHintId} className="sr-only">
            {t("tutorHint")}
          </span>
        </label>
      </div>
    </form>
  );
}
