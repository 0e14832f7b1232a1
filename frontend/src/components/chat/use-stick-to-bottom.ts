"use client";
import { useCallback, useEffect, useLayoutEffect, useRef } from "react";

const THRESHOLD_PX = 80;

/**
 * Keep a scroll container at the bottom while its content grows (streamed text, an error, a
 * feedback box), unless the reader scrolled up; scrolling back near the bottom resumes
 * following. A change of `turn` (a new question) always follows again.
 */
export function useStickToBottom<S extends HTMLElement, C extends HTMLElement>(turn: unknown) {
  const scrollRef = useRef<S>(null);
  const contentRef = useRef<C>(null);
  const stick = useRef(true);

  const toBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, []);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < THRESHOLD_PX;
  }, []);

  useLayoutEffect(() => {
    stick.current = true;
    toBottom();
  }, [turn, toBottom]);

  useEffect(() => {
    const content = contentRef.current;
    if (!content || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(toBottom);
    observer.observe(content);
    return () => observer.disconnect();
  }, [toBottom]);

  return { scrollRef, contentRef, onScroll };
}
