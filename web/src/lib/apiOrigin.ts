// Which URLs may receive the console's access token.

/**
 * True when `requestUrl` goes to the configured API's origin (scheme, host
 * and port), so the in-memory access token may be attached to it. Anything
 * else — another host, another port, http instead of https, a URL that does
 * not parse — gets no token: swagger-ui's "Try it out" lets the user edit
 * the server URL, and the token must not follow it elsewhere. Relative URLs
 * resolve against the page, as fetch would resolve them.
 */
export function isApiOrigin(requestUrl: string, apiBaseUrl: string, pageUrl?: string): boolean {
  let api: URL;
  let target: URL;
  try {
    api = new URL(apiBaseUrl);
    target = pageUrl === undefined ? new URL(requestUrl) : new URL(requestUrl, pageUrl);
  } catch {
    return false;
  }
  if (api.protocol !== "http:" && api.protocol !== "https:") return false;
  return target.origin === api.origin;
}

/** The part of a swagger-ui request the interceptor touches. */
export interface InterceptedRequest {
  url: string;
  headers: Record<string, string>;
}

/**
 * swagger-ui's requestInterceptor: adds `Authorization: Bearer <token>` when
 * there is a token, the request has no Authorization of its own (the user
 * may have entered one with "Authorize"), and it goes to the API's origin.
 */
export function authorizeApiRequest<R extends InterceptedRequest>(
  req: R,
  token: string | null,
  apiBaseUrl: string,
  pageUrl?: string,
): R {
  if (token && !req.headers.Authorization && isApiOrigin(req.url, apiBaseUrl, pageUrl)) {
    req.headers.Authorization = `Bearer ${token}`;
  }
  return req;
}
