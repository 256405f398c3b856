// Uploading a version's package with a progress bar. fetch() cannot report
// upload progress, so this is the one request the console sends with
// XMLHttpRequest: PUT /v1/apps/{id}/versions/{vid}/package with the raw
// File as the body and the same credentials the API client uses (the
// in-memory access token as `Authorization: Bearer`, cookies included).
// A 401 refreshes the session once and sends the file again, as the client
// does for every other request.
import { apiBaseUrl, mayRetryAs } from "../api/client";
import { apiErrorFrom } from "../api/problem";
import { refreshSession } from "../api/session";
import { getAccessToken } from "../api/tokenStore";

export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0–100, rounded down; 100 only once the server answered. */
  percent: number;
}

export interface XhrResult {
  status: number;
  body: unknown;
  headers: Headers;
}

/** What an upload needs of XMLHttpRequest (tests pass a fake). */
export type XhrFactory = () => XMLHttpRequest;

/** `loaded` of `total` bytes as a whole percentage, held at 99 until the answer came. */
export function progressOf(loaded: number, total: number): UploadProgress {
  const pct = total > 0 ? Math.floor((loaded / total) * 100) : 0;
  return { loaded, total, percent: Math.min(99, Math.max(0, pct)) };
}

/** Response headers of an XMLHttpRequest as a Headers object. */
export function parseXhrHeaders(raw: string): Headers {
  const h = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    try {
      h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    } catch {
      // a header name the Headers class refuses: skip it
    }
  }
  return h;
}

/**
 * PUT `body` to `url` with XMLHttpRequest, reporting upload progress.
 * Resolves with the status and the parsed JSON body (or null) whatever the
 * status; rejects on a network failure (TypeError, like fetch) or abort.
 */
export function putWithProgress(opts: {
  url: string;
  body: Blob;
  token: string | null;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  xhr?: XhrFactory;
}): Promise<XhrResult> {
  return new Promise((resolve, reject) => {
    const xhr = (opts.xhr ?? (() => new XMLHttpRequest()))();
    xhr.open("PUT", opts.url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", opts.body.type || "application/octet-stream");
    if (opts.token) xhr.setRequestHeader("Authorization", `Bearer ${opts.token}`);
    xhr.upload.onprogress = (e: ProgressEvent) => {
      opts.onProgress?.(progressOf(e.loaded, e.lengthComputable ? e.total : opts.body.size));
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body, headers: parseXhrHeaders(xhr.getAllResponseHeaders()) });
    };
    xhr.onerror = () => reject(new TypeError("Network error while uploading."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    opts.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(opts.body);
  });
}

/**
 * Uploads `file` as the package of version `vid` of app `appId` and returns
 * the server's answer (the VersionView). Throws an ApiError for a refusal
 * (413 too large, 409 published, …).
 */
export async function uploadPackage<T>(
  appId: string,
  vid: string,
  file: Blob,
  onProgress?: (p: UploadProgress) => void,
  deps: { xhr?: XhrFactory; refresh?: () => Promise<boolean>; signal?: AbortSignal } = {},
): Promise<T> {
  const url = `${apiBaseUrl()}/v1/apps/${encodeURIComponent(appId)}/versions/${encodeURIComponent(vid)}/package`;
  const send = (token: string | null) => putWithProgress({ url, body: file, token, onProgress, signal: deps.signal, xhr: deps.xhr });
  const sentWith = getAccessToken();
  let res = await send(sentWith);
  // Retry only as the same user of the same organization (see authFetch).
  if (
    res.status === 401 &&
    (await (deps.refresh ?? refreshSession)().catch(() => false)) &&
    mayRetryAs(sentWith, getAccessToken())
  ) {
    onProgress?.(progressOf(0, file.size));
    res = await send(getAccessToken());
  }
  if (res.status < 200 || res.status >= 300) throw apiErrorFrom({ status: res.status, headers: res.headers }, res.body);
  onProgress?.({ loaded: file.size, total: file.size, percent: 100 });
  return res.body as T;
}
