// Rules and words for projects, apps, versions, docs and reviews
// (docs/apps.md), checked in the console before a request so most mistakes
// are caught without a round trip. The server checks them all again.
import type { AppStatus, AppType, AppVisibility, Sdk, VersionStatus } from "../api/apps";
import { NAME_MAX, validateName, type FormErrors } from "./validation";

export const APP_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const TAGS_MAX = 10;
export const DESCRIPTION_MAX = 2000;
export const README_MAX = 100_000;
export const RELEASE_NOTES_MAX = 20_000;
export const URL_MAX = 2048;
export const QUBITS_MIN = 1;
export const QUBITS_MAX = 10_000;
export const DOC_ORDER_MAX = 10_000;
export const SCHEMA_MAX_BYTES = 64 * 1024;
export const REVIEW_TITLE_MAX = 200;
export const REVIEW_CONTENT_MAX = 5000;
// SemVer 2.0.0's own regular expression (semver.org), without the `v` and
// without build metadata (`+…`), which the server refuses: it does not
// order versions, so it cannot tell two apart.
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
// An SPDX license id's characters (the server knows the list itself).
export const LICENSE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;

export const APP_TYPE_LABELS: Record<AppType, string> = {
  algorithm: "Algorithm",
  application: "Application",
  library: "Library",
  circuit: "Circuit",
};
export const SDK_LABELS: Record<Sdk, string> = {
  openqasm2: "OpenQASM 2",
  openqasm3: "OpenQASM 3",
  qiskit: "Qiskit",
  cirq: "Cirq",
  pennylane: "PennyLane",
  braket: "Amazon Braket",
  qsharp: "Q#",
  other: "Other",
};
/** An SDK's name; the registry lists SDKs as plain strings. */
export function sdkLabel(sdk: string): string {
  return (SDK_LABELS as Record<string, string>)[sdk] ?? sdk;
}
export const VISIBILITY_LABELS: Record<AppVisibility, string> = { private: "Private", public: "Public" };
export const APP_STATUS_LABELS: Record<AppStatus, string> = { draft: "Draft", published: "Published", deprecated: "Deprecated" };
export const VERSION_STATUS_LABELS: Record<VersionStatus, string> = { draft: "Draft", published: "Published", yanked: "Yanked" };
export const STATUS_COLORS: Record<AppStatus | VersionStatus, string> = {
  draft: "gray",
  published: "green",
  deprecated: "orange",
  yanked: "orange",
};

/** Null when `v` is a semantic version ("1.2.0", "2.0.0-rc.1"). */
export function validateSemver(v: string): string | null {
  const s = v.trim();
  if (s === "") return "Version is required.";
  if (/^v\d/i.test(s)) return "Leave out the “v”: write 1.2.0, not v1.2.0.";
  if (s.length > 100) return "Version must be at most 100 characters.";
  if (!SEMVER_PATTERN.test(s)) return "Use a semantic version like 1.2.0 or 2.0.0-rc.1.";
  return null;
}

export function validateAppSlug(v: string): string | null {
  const s = v.trim();
  if (s === "") return "Slug is required.";
  if (s.length < 3 || s.length > 40) return "Slug must be 3–40 characters.";
  if (!APP_SLUG_PATTERN.test(s)) {
    return "Slug may use lowercase letters, digits and hyphens, and must start and end with a letter or digit.";
  }
  return null;
}

/** "Teleportation Benchmark Suite!" → "teleportation-benchmark-suite" (at most 40 characters). */
export function appSlugFrom(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
}

/** "quantum, Benchmark ,teleport" → ["quantum", "benchmark", "teleport"] (no empties, no repeats). */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[,\s]+/)) {
    const tag = t.trim().toLowerCase();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

export function validateTags(text: string): string | null {
  const tags = parseTags(text);
  if (tags.length > TAGS_MAX) return `At most ${TAGS_MAX} tags.`;
  const bad = tags.find((t) => !TAG_PATTERN.test(t));
  if (bad) return `“${bad}” is not a tag: lowercase letters, digits and hyphens, at most 32, starting with a letter or digit.`;
  return null;
}

/** An optional http(s) URL. */
export function validateUrl(v: string, what = "URL"): string | null {
  const s = v.trim();
  if (s === "") return null;
  if (s.length > URL_MAX) return `${what} must be at most ${URL_MAX} characters.`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `${what} must be a full address starting with https:// or http://.`;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return `${what} must start with https:// or http://.`;
  // The server's rule (HttpUrl in openapi.yaml): RFC 3986's ASCII characters only.
  if (!URL_CHARS.test(s)) return `${what} may use only plain ASCII URL characters; percent-encode spaces and accents.`;
  return null;
}

const URL_CHARS = /^https?:\/\/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$/;

export function validateLicense(v: string): string | null {
  const s = v.trim();
  if (s === "") return null;
  return LICENSE_PATTERN.test(s) ? null : "Use an SPDX license id such as MIT or Apache-2.0.";
}

export function validateMaxLength(v: string, max: number, what: string): string | null {
  return v.length > max ? `${what} must be at most ${max.toLocaleString("en-US")} characters.` : null;
}

/** A whole number in [min, max] typed into a text field. */
export function validateInteger(v: string, min: number, max: number, what: string): string | null {
  const s = v.trim();
  if (s === "") return `${what} is required.`;
  if (!/^\d+$/.test(s)) return `${what} must be a whole number.`;
  const n = Number(s);
  if (n < min || n > max) return `${what} must be between ${min.toLocaleString("en-US")} and ${max.toLocaleString("en-US")}.`;
  return null;
}

/** Parses an optional JSON Schema typed into a textarea: undefined when empty. Throws with a message. */
export function parseJsonSchema(text: string): object | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  if (new TextEncoder().encode(s).length > SCHEMA_MAX_BYTES) throw new Error("A schema may be at most 64 KiB.");
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    throw new Error(`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof v === "boolean") return v as unknown as object;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("A JSON Schema is an object (or true / false).");
  return v;
}

export function validateJsonSchema(text: string): string | null {
  try {
    parseJsonSchema(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function collect<T>(checks: [keyof T & string, string | null][]): FormErrors<T> {
  const out: FormErrors<T> = {};
  for (const [field, msg] of checks) if (msg) out[field] = msg;
  return out;
}

export interface ProjectFormValues {
  name: string;
  description: string;
  repository_url: string;
}

export function validateProject(v: ProjectFormValues): FormErrors<ProjectFormValues> {
  return collect<ProjectFormValues>([
    ["name", validateName(v.name)],
    ["description", validateMaxLength(v.description, DESCRIPTION_MAX, "Description")],
    ["repository_url", validateUrl(v.repository_url, "Repository URL")],
  ]);
}

export interface AppFormValues {
  name: string;
  slug: string;
  type: AppType;
  visibility: AppVisibility;
  license: string;
  documentation_url: string;
  repository_url: string;
  tags: string;
  description: string;
  readme: string;
}

export function validateAppForm(v: AppFormValues): FormErrors<AppFormValues> {
  return collect<AppFormValues>([
    ["name", validateName(v.name)],
    ["slug", validateAppSlug(v.slug)],
    ["license", validateLicense(v.license)],
    ["documentation_url", validateUrl(v.documentation_url, "Documentation URL")],
    ["repository_url", validateUrl(v.repository_url, "Repository URL")],
    ["tags", validateTags(v.tags)],
    ["description", validateMaxLength(v.description, DESCRIPTION_MAX, "Description")],
    ["readme", validateMaxLength(v.readme, README_MAX, "Readme")],
  ]);
}

export interface VersionFormValues {
  version: string;
  sdk: Sdk;
  qubits: string;
  input_schema: string;
  output_schema: string;
  release_notes: string;
}

export function validateVersionForm(v: VersionFormValues): FormErrors<VersionFormValues> {
  return collect<VersionFormValues>([
    ["version", validateSemver(v.version)],
    ["qubits", validateInteger(v.qubits, QUBITS_MIN, QUBITS_MAX, "Qubits")],
    ["input_schema", validateJsonSchema(v.input_schema)],
    ["output_schema", validateJsonSchema(v.output_schema)],
    ["release_notes", validateMaxLength(v.release_notes, RELEASE_NOTES_MAX, "Release notes")],
  ]);
}

export interface DocFormValues {
  title: string;
  order: string;
  markdown: string;
}

export function validateDocForm(v: DocFormValues): FormErrors<DocFormValues> {
  return collect<DocFormValues>([
    ["title", validateName(v.title, "Title")],
    ["order", validateInteger(v.order, 0, DOC_ORDER_MAX, "Order")],
    ["markdown", validateMaxLength(v.markdown, README_MAX, "Page text")],
  ]);
}

export interface ReviewFormValues {
  rating: string;
  title: string;
  content: string;
}

export function validateReviewForm(v: ReviewFormValues): FormErrors<ReviewFormValues> {
  return collect<ReviewFormValues>([
    ["rating", /^[1-5]$/.test(v.rating) ? null : "Choose a rating from 1 to 5 stars."],
    ["title", v.title.trim() === "" ? "Title is required." : validateMaxLength(v.title.trim(), REVIEW_TITLE_MAX, "Title")],
    ["content", v.content.trim() === "" ? "Write a few words." : validateMaxLength(v.content, REVIEW_CONTENT_MAX, "Review")],
  ]);
}

/** "" → undefined, for optional request fields. */
export const orUndefined = (s: string): string | undefined => (s.trim() === "" ? undefined : s.trim());

/** A byte count for people: "512 B", "300.0 KB", "1.5 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** "4.5 ★ (12)" / "No ratings". */
export function formatRating(avg: number | null | undefined, count: number): string {
  if (!count || avg === null || avg === undefined) return "No ratings yet";
  return `${avg.toFixed(1)} of 5 (${count} rating${count === 1 ? "" : "s"})`;
}

export { NAME_MAX };
