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

/** Who an access token speaks for: the JWT's `sub` (user) and `tid` (tenant) claims. */
export interface Identity {
  userId: string;
  tenantId: string;
}

/**
 * Reads `sub` and `tid` from an access token's payload. Nothing is verified
 * (the server does that on every request); this only tells whether two
 * tokens belong to the same user of the same organization. Null when the
 * token is not a JWT with those claims.
 */
export function identityOf(token: string | null | undefined): Identity | null {
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const b64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof claims.sub !== "string" || typeof claims.tid !== "string") return null;
    return { userId: claims.sub, tenantId: claims.tid };
  } catch {
    return null;
  }
}

/**
 * True when both name the same user in the same organization. Two unknowns
 * (tokens without claims) cannot be told apart and count as the same; a
 * known identity never equals an unknown one.
 */
export function sameIdentity(a: Identity | null, b: Identity | null): boolean {
  if (a === null || b === null) return a === b;
  return a.userId === b.userId && a.tenantId === b.tenantId;
}
