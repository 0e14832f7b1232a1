"use client";
// The last resort: even a crash in the root layout shows a sentence and a retry, never a stack.
export default function GlobalError({ reset }: { error: Error; reset: () => void }) {
  return (
    <html lang="pt-BR">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
        <h1>Algo deu errado / Something went wrong</h1>
        <button type="button" onClick={reset}>
          Tentar de novo / Try again
        </button>
      </body>
    </html>
  );
}
