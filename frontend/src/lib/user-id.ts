/** An anonymous, random id per browser: it keeps a student's history without an account. */
const KEY = "chatgepeto.userId";

export function getUserId(): string {
  let id = window.localStorage.getItem(KEY);
  if (!id) {
    id = `anon-${crypto.randomUUID()}`;
    window.localStorage.setItem(KEY, id);
  }
  return id;
}
