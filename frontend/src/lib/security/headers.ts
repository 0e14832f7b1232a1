/**
 * The web app's security headers. The Content-Security-Policy is made per request by
 * src/proxy.ts, with a fresh nonce that Next puts on its own scripts (and next-themes on its
 * theme script): no other inline script runs, and no script comes from anywhere else.
 */

/** The request header that carries the nonce from the proxy to the layout. */
export const NONCE_HEADER = "x-nonce";

/** The policy for one page response; `dev` adds what `next dev` needs (React's eval). */
export function contentSecurityPolicy(nonce: string, dev = false): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // Scripts a nonce'd script loads (Next's chunks, the lazily loaded PDF viewer) are
    // trusted through it ('strict-dynamic'); 'self' is for browsers without it.
    "script-src": ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    // Style sheets from this origin and nonce'd <style> elements only. Style attributes are
    // allowed: React, Radix and the PDF viewer's text layer position things with them.
    "style-src": ["'self'", `'nonce-${nonce}'`],
    "style-src-attr": ["'unsafe-inline'"],
    // Answers never load images (answer-markdown.tsx); pdf.js paints into canvases and may
    // hand images over as blob: or data: URLs.
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    // Every request goes to this origin: /api/* is forwarded to the backend.
    "connect-src": ["'self'", ...(dev ? ["ws:"] : [])],
    // pdf.js's worker comes from this origin.
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

/** Headers every response of the web app carries (next.config.ts), pages and assets alike. */
export const STATIC_SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  // The chat's address holds the conversation id (?c=…): no other site ever sees it.
  { key: "Referrer-Policy", value: "same-origin" },
  // frame-ancestors 'none' says the same to browsers that read CSP; this to older ones.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];
