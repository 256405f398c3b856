// The API reference's "Try it out" acts with an API key the user pastes,
// never with the console's session: swagger-ui's requestInterceptor below
// removes any Authorization header (the session's bearer token is never
// added in the first place) and sends the pasted key as X-API-Key, only to
// the API's own origin. The key lives in this module's memory: not in web
// storage, gone when the tab reloads or closes.
import { isApiOrigin, type InterceptedRequest } from "./apiOrigin";

let tryItOutKey = "";

export function getTryItOutKey(): string {
  return tryItOutKey;
}

export function setTryItOutKey(key: string): void {
  tryItOutKey = key.trim();
}

function deleteHeader(headers: Record<string, string>, name: string): void {
  for (const h of Object.keys(headers)) if (h.toLowerCase() === name) delete headers[h];
}

/**
 * swagger-ui's requestInterceptor: no Authorization header ever; X-API-Key
 * is the pasted `key` when there is one (else whatever swagger-ui's own
 * "Authorize" dialog put there), and no credential at all for a request to
 * another origin (the server URL can be edited).
 */
export function apiKeyInterceptor<R extends InterceptedRequest>(req: R, key: string, apiBaseUrl: string, pageUrl?: string): R {
  req.headers = req.headers ?? {};
  deleteHeader(req.headers, "authorization");
  if (!isApiOrigin(req.url, apiBaseUrl, pageUrl)) {
    deleteHeader(req.headers, "x-api-key");
    return req;
  }
  const k = key.trim();
  if (k) {
    deleteHeader(req.headers, "x-api-key");
    req.headers["X-API-Key"] = k;
  }
  return req;
}
