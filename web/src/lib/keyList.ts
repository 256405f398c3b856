// What the API keys list says when a page comes back empty: there are no
// keys at all, or the search / status filter hides the ones there are.
import type { KeyStatusFilter } from "../api/insights";

export const KEY_STATUS_OPTIONS: { value: KeyStatusFilter; label: string }[] = [
  { value: "active", label: "Active" },
  { value: "expired", label: "Expired" },
  { value: "revoked", label: "Revoked" },
  { value: "all", label: "All" },
];

export type KeyListEmpty =
  /** The caller has no key at all (revoked ones included): offer to create one. */
  | { kind: "none"; text: string }
  /** The search matched nothing: offer to clear it. */
  | { kind: "no-match"; text: string }
  /** Keys exist, but none has this status: offer to show every key. */
  | { kind: "filtered"; text: string };

const STATUS_WORD: Record<Exclude<KeyStatusFilter, "all">, string> = {
  active: "active",
  expired: "expired",
  revoked: "revoked",
};

/**
 * `anyKey`: does the caller see any key at all (null while unknown; then the
 * filter is blamed only when there is one).
 */
export function keyListEmpty(status: KeyStatusFilter, q: string, anyKey: boolean | null): KeyListEmpty {
  const text = q.trim();
  if (anyKey === false) return { kind: "none", text: "No API keys yet." };
  if (text) {
    const where = status === "all" ? "" : ` among the ${STATUS_WORD[status]} keys`;
    return { kind: "no-match", text: `No keys match “${text}”${where}.` };
  }
  if (status === "all") return { kind: "none", text: "No API keys yet." };
  return { kind: "filtered", text: `No ${STATUS_WORD[status]} keys.` };
}
