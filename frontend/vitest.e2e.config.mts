import { defineConfig } from "vitest/config";

// End-to-end: a real backend, a real `next start` and Debian's Chromium via playwright-core.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 420_000,
    fileParallelism: false,
    reporters: ["default"],
  },
});
