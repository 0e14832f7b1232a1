/**
 * Once for the whole browser suite: one `next build` (the slow part), its /api rewrites pointed
 * at a backend port that every test file then starts its own backend on, one file at a time.
 */
import type { TestProject } from "vitest/node";
import { buildFrontend, freePort } from "./stack";

declare module "vitest" {
  export interface ProvidedContext {
    /** The port the web app's build forwards /api/* to. */
    backendPort: number;
  }
}

export default async function setup(project: TestProject) {
  const backendPort = await freePort();
  buildFrontend(`http://127.0.0.1:${backendPort}`);
  project.provide("backendPort", backendPort);
}
