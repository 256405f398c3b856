// Which URLs may receive a credential from the console.

/**
 * True when `requestUrl` goes to the configured API's origin (scheme, host
 * and port), so the API key pasted for "Try it out" may be attached to it.
 * Anything else — another host, another port, http instead of https, a URL
 * that does not parse — gets no credential: swagger-ui's "Try it out" lets
 * the user edit the server URL, and the key must not follow it elsewhere. Relative URLs
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
