import { NextRequest } from "next/server";
import { describe, expect, test } from "vitest";
import { contentSecurityPolicy, NONCE_HEADER, STATIC_SECURITY_HEADERS } from "@/lib/security/headers";
import { config, proxy } from "@/proxy";

function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe("Content-Security-Policy", () => {
  test("scripts only with the nonce, no inline or eval; no framing, plugins or base", () => {
    const csp = directives(contentSecurityPolicy("abc123"));
    expect(csp["script-src"]).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp["style-src"]).toEqual(["'self'", "'nonce-abc123'"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["base-uri"]).toEqual(["'none'"]);
    expect(csp["connect-src"]).toEqual(["'self'"]);
    expect(contentSecurityPolicy("abc123")).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  test("next dev gets eval (React's error overlay) and its websocket, production never", () => {
    const dev = directives(contentSecurityPolicy("n", true));
    expect(dev["script-src"]).toContain("'unsafe-eval'");
    expect(dev["connect-src"]).toContain("ws:");
  });

  test("the proxy makes a fresh nonce per request and hands it to the page", () => {
    const first = proxy(new NextRequest("http://localhost:3000/"));
    const second = proxy(new NextRequest("http://localhost:3000/documents"));
    const policy = first.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/); // 16 random bytes
    expect(second.headers.get("content-security-policy")).not.toBe(policy);
    // What Next passes on to the render: the same nonce and the same policy.
    expect(first.headers.get(`x-middleware-request-${NONCE_HEADER}`)).toBe(nonce);
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(policy);
  });

  test("pages only: not the API, built assets or pdf.js files", () => {
    const source = new RegExp(`^${config.matcher[0].source}$`);
    for (const page of ["/", "/documents"]) expect(source.test(page)).toBe(true);
    for (const other of ["/api/ask", "/_next/static/chunks/a.js", "/pdfjs/cmaps/x", "/metrics"])
      expect(source.test(other)).toBe(false);
  });

  test("every response: nosniff, same-origin referrer, no framing", () => {
    const headers = Object.fromEntries(STATIC_SECURITY_HEADERS.map((h) => [h.key, h.value]));
    expect(headers).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "X-Frame-Options": "DENY",
    });
  });
});
