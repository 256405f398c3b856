// Downloading a file the API serves only with the session's credentials:
// fetch it through the API client (the in-memory access token, one retry
// after a refresh), then hand the browser a Blob through an object URL and a
// temporary <a download>. A plain link could not carry the bearer token.
import { api } from "../api/client";
import { apiErrorFrom } from "../api/problem";
import type { Paths } from "../api/types";

export type AuditExportQuery = NonNullable<Paths["/v1/audit-events/export"]["get"]["parameters"]["query"]>;

/** Saves `blob` as `filename` (object URL + a clicked <a download>, then cleaned up). */
export function saveBlob(blob: Blob, filename: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.style.display = "none";
  doc.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // Give the browser a moment to start the download before the URL goes.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** `audit-2026-01-31T12-00-00.csv` (local time: a name, not a timestamp). */
export function exportFilename(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `audit-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}.csv`;
}

/** The server's cap on one export's rows. */
export const EXPORT_MAX_ROWS = 10_000;

/** Records in an RFC 4180 text, header included (line breaks inside quotes do not count). */
export function countCsvRecords(text: string): number {
  let records = 0;
  let quoted = false;
  let inRecord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === "\n" || c === "\r")) {
      if (inRecord) records++;
      inRecord = false;
      if (c === "\r" && text[i + 1] === "\n") i++;
      continue;
    }
    inRecord = true;
  }
  return inRecord ? records + 1 : records;
}

/**
 * Was the export cut? The server says so with `X-Truncated: true`; when that
 * header is not readable here (a cross-origin response exposes only the
 * headers CORS lists), a full 10,000 rows means there may be more.
 */
export function isTruncated(header: string | null, dataRows: number): boolean {
  if (header !== null) return header.trim().toLowerCase() === "true";
  return dataRows >= EXPORT_MAX_ROWS;
}

export interface ExportResult {
  filename: string;
  /** The server cut the export (X-Truncated: true; at most 10,000 rows). */
  truncated: boolean;
  /** Events in the file (rows after the header). */
  rows: number;
}

/** GET /v1/audit-events/export with `query`, saved as a CSV file. Throws an ApiError on failure. */
export async function downloadAuditCsv(query: AuditExportQuery, now: Date = new Date()): Promise<ExportResult> {
  const { data, error, response } = await api().GET("/v1/audit-events/export", { params: { query }, parseAs: "text" });
  if (!response.ok || typeof data !== "string") throw apiErrorFrom(response, error);
  const filename = exportFilename(now);
  const rows = Math.max(0, countCsvRecords(data) - 1);
  saveBlob(new Blob([data], { type: "text/csv;charset=utf-8" }), filename);
  return { filename, truncated: isTruncated(response.headers.get("x-truncated"), rows), rows };
}
