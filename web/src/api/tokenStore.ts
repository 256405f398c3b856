// The access token lives here, in memory only: never in localStorage or
// sessionStorage, so a script injected into the page cannot read a stored
// token and a reload starts from the refresh cookie (see README).

export interface AccessToken {
  token: string;
  /** Epoch milliseconds at which the server said the token expires. */
  expiresAt: number;
}

type Listener = (token: AccessToken | null) => void;

let current: AccessToken | null = null;
const listeners = new Set<Listener>();

export function getAccessToken(): string | null {
  return current?.token ?? null;
}

export function getToken(): AccessToken | null {
  return current;
}

export function setAccessToken(token: string, expiresInSecs: number, now: number = Date.now()): void {
  current = { token, expiresAt: now + expiresInSecs * 1000 };
  for (const l of listeners) l(current);
}

export function clearAccessToken(): void {
  if (current === null) return;
  current = null;
  for (const l of listeners) l(null);
}

export function onTokenChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
