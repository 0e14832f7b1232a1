"use client";
import { api } from "@/lib/api/client";
import type { UploadLimits } from "./validate";
import { useResource } from "./use-resource";

/** The server's defaults, used until /api/config answers (or if it cannot): it checks again. */
export const DEFAULT_LIMITS: UploadLimits = {
  maxUploadMb: 50,
  maxUploadFiles: 20,
  supportedExtensions: [".docx", ".markdown", ".md", ".pdf", ".text", ".txt"],
};

async function loadLimits(): Promise<UploadLimits> {
  const config = await api.config();
  return {
    maxUploadMb: config.max_upload_mb,
    maxUploadFiles: config.max_upload_files,
    supportedExtensions: config.supported_extensions.map((e) => e.toLowerCase()),
  };
}

/** Upload limits and accepted extensions from the server. */
export function useUploadLimits(): UploadLimits {
  return useResource("config", loadLimits).data ?? DEFAULT_LIMITS;
}
