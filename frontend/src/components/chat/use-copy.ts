"use client";
import { useEffect, useState } from "react";

/** Copy text to the clipboard; `copied` stays true for a moment so the button can say so. */
export function useCopy(resetMs = 2000) {
  const [copied, setCopied] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!copied && !failed) return;
    const timer = window.setTimeout(() => {
      setCopied(false);
      setFailed(false);
    }, resetMs);
    return () => window.clearTimeout(timer);
  }, [copied, failed, resetMs]);

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setFailed(true);
    }
  }

  return { copy, copied, failed };
}
