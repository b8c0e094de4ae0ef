/**
 * The API token the console signs in with. It lives in this tab's sessionStorage only: never in
 * a URL, a cookie or localStorage, so it is gone when the tab closes. GraphiQL's page, on the
 * same origin, sends the same token.
 */
const KEY = "baton.token";

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage refused (a locked-down browser): sign in again on each page
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** The Authorization header's value for a token (a pasted "Bearer …" is taken as it is). */
export function bearer(token: string): string {
  const t = token.trim();
  return /^bearer\s/i.test(t) ? t : `Bearer ${t}`;
}

/** The gateway's GraphQL endpoint and its WebSocket, on the origin the page came from. */
export function endpoints(): { http: string; ws: string } {
  const http = new URL("/graphql", window.location.href).href;
  return { http, ws: http.replace(/^http/, "ws") };
}
