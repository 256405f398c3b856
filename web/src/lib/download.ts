// Downloading a package from the registry: POST /v1/registry/{id}/download
// through the API client (the session's bearer token, one retry after a
// refresh), then the bytes are saved under the server's file name and their
// SHA-256 is computed here and compared with the one the server sent
// (`ETag: "<hex>"` or `Repr-Digest: sha-256=:<base64>:`), when the API's
// CORS lets the page read those headers.
import { saveBlob } from "./csv-download";

/** The file name of a Content-Disposition header (RFC 6266: `filename*` wins), or null. */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star?.[1]) {
    const v = star[1].trim().replace(/^"|"$/g, "");
    const m = /^([\w-]+)'[^']*'(.*)$/.exec(v);
    try {
      const name = decodeURIComponent(m ? (m[2] ?? "") : v);
      if (name) return safeFilename(name);
    } catch {
      // malformed percent-encoding: fall back to the plain parameter
    }
  }
  const plain = /filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)/i.exec(header);
  if (!plain?.[1]) return null;
  let v = plain[1].trim();
  if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
  return v ? safeFilename(v) : null;
}

/** No directories, no control characters: just a name. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return base === "" || base === "." || base === ".." ? "download" : base;
}

/** Bytes → lowercase hex. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const a = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64ToHex(b64: string): string | null {
  try {
    const bin = atob(b64);
    if (bin.length !== 32) return null;
    return toHex(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/**
 * The SHA-256 (hex) the server declared: `ETag: "<64 hex>"`, else
 * `Repr-Digest: sha-256=:<base64>:`, else `Digest: sha-256=<base64>`.
 */
export function sha256FromHeaders(headers: Pick<Headers, "get">): string | null {
  const etag = headers.get("etag")?.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  if (etag && /^[0-9a-f]{64}$/i.test(etag)) return etag.toLowerCase();
  const repr = headers.get("repr-digest");
  const r = repr && /sha-256=:([A-Za-z0-9+/=]+):/i.exec(repr);
  if (r?.[1]) return base64ToHex(r[1]);
  const digest = headers.get("digest");
  const d = digest && /sha-256=([A-Za-z0-9+/=]+)/i.exec(digest);
  if (d?.[1]) return base64ToHex(d[1]);
  return null;
}

/** The blob's bytes (FileReader where Blob.arrayBuffer is missing, e.g. jsdom). */
function bytesOf(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === "function") return blob.arrayBuffer();
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as ArrayBuffer);
    r.onerror = () => reject(r.error ?? new Error("Could not read the download."));
    r.readAsArrayBuffer(blob);
  });
}

export async function sha256Hex(blob: Blob): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new Uint8Array(await bytesOf(blob))));
}

export interface DownloadResult {
  filename: string;
  size: number;
  /** Computed from the bytes received. */
  sha256: string;
  /** What the server declared, when its headers were readable; null otherwise. */
  declared: string | null;
}

/**
 * Saves a downloaded package: the file name from Content-Disposition, else
 * `<slug>-<version>`; the SHA-256 computed from the bytes and checked
 * against the server's declaration (an Error when they differ).
 */
export async function savePackage(
  blob: Blob,
  headers: Pick<Headers, "get">,
  fallbackName: string,
  save: (blob: Blob, name: string) => void = saveBlob,
): Promise<DownloadResult> {
  const filename = filenameFromDisposition(headers.get("content-disposition")) ?? safeFilename(fallbackName);
  const sha256 = await sha256Hex(blob);
  const declared = sha256FromHeaders(headers);
  if (declared && declared !== sha256) {
    throw new Error(`The download is damaged: its SHA-256 is ${sha256}, the server declared ${declared}. It was not saved.`);
  }
  save(blob, filename);
  return { filename, size: blob.size, sha256, declared };
}
