"use client";
import { setNonce } from "get-nonce";
import { ThemeProvider } from "next-themes";

/** `nonce`: this page's Content-Security-Policy nonce (src/proxy.ts), for what adds inline
 * script or style on the client: next-themes' theme script and react-remove-scroll's <style>
 * (dialogs and the sheet lock scrolling with it, asking get-nonce for the nonce). */
export function Providers({ children, nonce }: { children: React.ReactNode; nonce?: string }) {
  if (nonce && typeof window !== "undefined") setNonce(nonce);
  return (
    <ThemeProvider
      attribute="class"
      defaultTheme="system"
      enableSystem
      disableTransitionOnChange
      nonce={nonce}
    >
      {children}
    </ThemeProvider>
  );
}
