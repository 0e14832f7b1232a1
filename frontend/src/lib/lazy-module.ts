/**
 * A module kept out of the first page's JavaScript: loaded in its own chunk the first time it is
 * wanted (a dynamic `import()`), then available synchronously, so a component that renders after
 * it arrived never shows a fallback.
 */
import { useEffect, useState } from "react";

export type LazyModule<T> = {
  /** Start loading (once; again after a failed load) and resolve to the module. */
  load: () => Promise<T>;
  /** The module if it has arrived. */
  current: () => T | null;
};

export function lazyModule<T>(importer: () => Promise<T>): LazyModule<T> {
  let loaded: T | null = null;
  let pending: Promise<T> | null = null;
  return {
    load() {
      pending ??= importer().then(
        (module) => (loaded = module),
        (error: unknown) => {
          pending = null; // a chunk that failed to download may be asked again
          throw error;
        },
      );
      return pending;
    },
    current: () => loaded,
  };
}

/** Start loading `module` without waiting for it (a hint: a failure is retried when needed). */
export function preload(module: LazyModule<unknown>): void {
  module.load().catch(() => {});
}

/** `module` once it has arrived (null until then); asks for it when `enabled`. */
export function useLazyModule<T>(module: LazyModule<T>, enabled = true): T | null {
  const [arrived, setArrived] = useState(module.current);
  useEffect(() => {
    if (!enabled || arrived) return;
    let live = true;
    module.load().then(
      (value) => live && setArrived(() => value),
      () => {}, // the fallback stays; the next mount tries again
    );
    return () => {
      live = false;
    };
  }, [module, enabled, arrived]);
  return arrived ?? module.current();
}
