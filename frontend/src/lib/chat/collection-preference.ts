/** The collection the student last asked about, remembered in this browser. */
const KEY = "chatgepeto.collectionId";

export function getPreferredCollection(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled (private mode, policies): just don't remember
  }
}

export function setPreferredCollection(id: string): void {
  try {
    window.localStorage.setItem(KEY, id);
  } catch {
    // see above
  }
}

/** The stored choice if it still exists, else the first collection, else none. */
export function pickCollection(
  ids: readonly string[],
  ...candidates: (string | null | undefined)[]
): string | null {
  for (const candidate of candidates) if (candidate && ids.includes(candidate)) return candidate;
  return ids[0] ?? null;
}
