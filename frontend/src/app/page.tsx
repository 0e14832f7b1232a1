import { Suspense } from "react";
import { ChatScreen } from "@/components/chat/chat-screen";

// The chat reads `?c=<conversation id>`, so it renders under a Suspense boundary.
export default function ChatPage() {
  return (
    <Suspense>
      <ChatScreen />
    </Suspense>
  );
}
