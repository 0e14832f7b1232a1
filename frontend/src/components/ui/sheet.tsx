"use client";
/** A side panel (a full-width sheet on phones) built on Radix Dialog: focus trap, Esc, labels. */
import { XIcon } from "lucide-react";
import { Dialog } from "radix-ui";
import * as React from "react";
import { cn } from "@/lib/utils";

export const Sheet = Dialog.Root;
export const SheetTrigger = Dialog.Trigger;
export const SheetClose = Dialog.Close;

export function SheetContent({
  className,
  children,
  side = "right",
  closeLabel,
  ...props
}: React.ComponentProps<typeof Dialog.Content> & {
  side?: "right" | "left";
  closeLabel: string;
}) {
  return (
    <Dialog.Portal>
      <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40" />
      <Dialog.Content
        className={cn(
          "fixed inset-y-0 z-50 flex w-full flex-col bg-background shadow-xl sm:max-w-xl",
          side === "right" ? "right-0 border-l" : "left-0 border-r",
          className,
        )}
        {...props}
      >
        {children}
        <Dialog.Close
          className="absolute right-3 top-3 rounded-md p-1 hover:bg-muted"
          aria-label={closeLabel}
        >
          <XIcon className="size-5" />
        </Dialog.Close>
      </Dialog.Content>
    </Dialog.Portal>
  );
}

export function SheetHeader({ className, ...props }: React.ComponentProps<"div">) {
  return <div className={cn("flex flex-col gap-1 border-b p-4 pr-12", className)} {...props} />;
}

export const SheetTitle = ({ className, ...props }: React.ComponentProps<typeof Dialog.Title>) => (
  <Dialog.Title className={cn("text-base font-semibold", className)} {...props} />
);

export const SheetDescription = ({
  className,
  ...props
}: React.ComponentProps<typeof Dialog.Description>) => (
  <Dialog.Description className={cn("text-sm text-muted-foreground", className)} {...props} />
);
