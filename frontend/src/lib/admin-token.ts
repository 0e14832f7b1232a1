/** The teacher's admin token, kept for the browser tab's session only (sessionStorage). */
const KEY = "chatgepeto.adminToken";

export function getAdminToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.sessionStorage.getItem(KEY);
}

export function setAdminToken(token: string | null): void {
  if (token) window.sessionStorage.setItem(KEY, token.trim());
  else window.sessionStorage.removeItem(KEY);
}
