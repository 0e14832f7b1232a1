/**
 * Next's proxy (formerly middleware): a Content-Security-Policy with a fresh nonce for every
 * page. Next reads the nonce from the request's policy header and puts it on the scripts it
 * renders; the layout reads `x-nonce` for next-themes' script. Pages are rendered per request
 * anyway (the language comes from a cookie), so nothing static is lost.
 */
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, NONCE_HEADER } from "@/lib/security/headers";

export function proxy(request: NextRequest) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const nonce = btoa(String.fromCharCode(...bytes));
  const policy = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");

  const headers = new Headers(request.headers);
  headers.set(NONCE_HEADER, nonce);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the API (forwarded to the backend), built assets or pdf.js's files.
      source: "/((?!api/|metrics|_next/static|_next/image|pdfjs/|favicon.ico|icon.svg).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
