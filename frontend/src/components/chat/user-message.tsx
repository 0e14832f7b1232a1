import { messageText } from "@/lib/chat/answer";
import type { ChatMessage } from "@/lib/chat/types";

/** The student's question, as plain text (never markdown). */
export function UserMessage({ message, label }: { message: ChatMessage; label: string }) {
  return (
    <div className="flex justify-end">
      <span className="sr-only">{label}</span>
      <p
        data-testid="user-message"
        className="max-w-[85%] rounded-2xl rounded-br-sm bg-primary px-4 py-2 text-[0.95rem] whitespace-pre-wrap break-words text-primary-foreground"
      >
        {messageText(message)}
      </p>
    </div>
  );
}
