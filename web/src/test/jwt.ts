// Test helper: an unsigned JWT-shaped access token with the given claims.
function b64url(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.c2ln`;
}

export const USER_A = { sub: "0190c7a0-0000-7000-8000-00000000000a", tid: "0190c7a0-0000-7000-8000-0000000000a0" };
export const USER_B = { sub: "0190c7a0-0000-7000-8000-00000000000b", tid: "0190c7a0-0000-7000-8000-0000000000b0" };
/** Same user id as A, other organization (ids are per tenant; both must match). */
export const USER_A_OTHER_TENANT = { sub: USER_A.sub, tid: USER_B.tid };

export function tokenFor(who: { sub: string; tid: string }, n = 0): string {
  return fakeJwt({ ...who, sid: `s-${n}`, iat: 1_700_000_000 + n, exp: 1_700_000_900 + n, iss: "qhub" });
}
