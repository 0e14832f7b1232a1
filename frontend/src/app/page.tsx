export default function ChatPage() {
  return <main className="flex-1 p-4">ChatGepeto</main>;
}
