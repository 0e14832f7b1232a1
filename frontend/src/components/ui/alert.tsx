import * as React from "react";
import { cn } from "@/lib/utils";

/** A visible, announced message; `tone="error"` uses role="alert". */
export function Alert({
  className,
  tone = "info",
  ...props
}: React.ComponentProps<"div"> & { tone?: "info" | "error" }) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={cn(
        "flex items-start gap-3 rounded-lg border p-3 text-sm",
        tone === "error" && "border-destructive/50 bg-destructive/10",
        className,
      )}
      {...props}
    />
  );
}
