/**
 * Tutor mode: the answer is a hint and a guiding question instead of the answer itself. The
 * switch is remembered in this browser; each question carries whether it was asked in tutor
 * mode (its user message's metadata), so the full answer can be asked for afterwards.
 */
import { messageText } from "./answer";
import type { ChatMessage } from "./types";

const KEY = "chatgepeto.tutor";
const listeners = new Set<() => void>();

export function getTutorPreference(): boolean {
  try {
    return window.localStorage.getItem(KEY) === "1";
  } catch {
    return false; // storage disabled: tutor mode off, as for a first visit
  }
}

export function setTutorPreference(on: boolean): void {
  try {
    if (on) window.localStorage.setItem(KEY, "1");
    else window.localStorage.removeItem(KEY);
  } catch {
    // not remembered; the switch still applies to this page
  }
  for (const listener of listeners) listener();
}

/** For useSyncExternalStore: this tab's changes and other tabs' (the storage event). */
export function subscribeTutorPreference(onChange: () => void): () => void {
  listeners.add(onChange);
  const onStorage = (event: StorageEvent) => {
    if (event.key === KEY || event.key === null) onChange();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(onChange);
    window.removeEventListener("storage", onStorage);
  };
}

/** Whether the answer at `index` was given in tutor mode (the backend says so, or its question). */
export function isTutorAnswer(messages: readonly ChatMessage[], index: number): boolean {
  const message = messages[index];
  if (message?.role !== "assistant") return false;
  if (typeof message.metadata?.tutor === "boolean") return message.metadata.tutor;
  for (let i = index - 1; i >= 0; i--) {
    if (messages[i].role === "user") return messages[i].metadata?.tutor === true;
  }
  return false;
}

/**
 * The question to ask again for the full answer: the last answer's, when it was a tutor answer
 * that said something. Null otherwise (no answer yet, a full answer, an empty failed one).
 */
export function revealableQuestion(messages: readonly ChatMessage[]): string | null {
  const index = messages.length - 1;
  const last = messages[index];
  if (!last || !isTutorAnswer(messages, index) || !messageText(last).trim()) return null;
  const question = messages.findLast((m, i) => i < index && m.role === "user");
  const text = question ? messageText(question).trim() : "";
  return text || null;
}
