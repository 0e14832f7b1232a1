import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

// The browser sees one origin: /api/* goes to the Flask backend, exactly as the ALB routes it
// in production (where these rewrites are never reached).
const backendUrl = (process.env.BACKEND_URL ?? "http://localhost:8000").replace(/\/+$/, "");

const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  // Streamed answers must not wait in a compression buffer.
  compress: false,
  async rewrites() {
    return [
      { source: "/api/:path*", destination: `${backendUrl}/api/:path*` },
      { source: "/metrics", destination: `${backendUrl}/metrics` },
    ];
  },
};

const withNextIntl = createNextIntlPlugin("./src/i18n/request.ts");
export default withNextIntl(nextConfig);
