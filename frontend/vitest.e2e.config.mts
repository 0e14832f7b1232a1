import { defineConfig } from "vitest/config";

// End-to-end: a real backend, a real `next start` and Debian's Chromium via playwright-core.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/e2e/**/*.e2e.ts"],
    // One build for every file (tests/e2e/global-setup.ts); the files run one after the other,
    // each with its own backend on the port that build forwards to.
    globalSetup: ["tests/e2e/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 420_000,
    fileParallelism: false,
    reporters: ["default"],
  },
});
