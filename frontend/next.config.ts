import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";
import { STATIC_SECURITY_HEADERS } from "./src/lib/security/headers";

// The browser sees one origin: /api/* goes to the Flask backend, exactly as the ALB routes it
// in production (where these rewrites are never reached). Rewrites are compiled into the build:
// BACKEND_URL is read by `next build`, not by `next start`.
const backendUrl = (process.env.BACKEND_URL ?? "http://localhost:8000").replace(/\/+$/, "");

const nextConfig: NextConfig = {
  output: "standalone",
  // The end-to-end tests build into their own folder, pointed at the backend they start.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  // Streamed answers must not wait in a compression buffer.
  compress: false,
  // On every page and asset (the backend sends its own on /api/*); the Content-Security-Policy
  // is per request, with its nonce, from src/proxy.ts.
  async headers() {
    return [{ source: "/((?!api/).*)", headers: STATIC_SECURITY_HEADERS }];
  },
  async rewrites() {
    return [
      { source: "/api/:path*", destination: `${backendUrl}/api/:path*` },
      { source: "/metrics", destination: `${backendUrl}/metrics` },
    ];
  },
};

const withNextIntl = createNextIntlPlugin("./src/i18n/request.ts");
export default withNextIntl(nextConfig);
