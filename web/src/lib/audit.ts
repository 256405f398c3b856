// Audit log vocabulary: the spec's AuditAction enum (generated).
import { auditActionFilterValues, auditActionValues } from "../api/types";
import type { Schemas } from "../api/types";

export type AuditActionFilter = Schemas["AuditActionFilter"];

export const AUDIT_ACTIONS: readonly string[] = auditActionValues;

/** Families usable as a filter (`user.*` matches every user action). */
export const AUDIT_FAMILIES = [...new Set(AUDIT_ACTIONS.map((a) => `${a.split(".")[0]}.*`))];

/** The spec's `action` filter value for `value`, if it is one. */
export function asActionFilter(value: string): AuditActionFilter | undefined {
  const v = value.trim();
  return (auditActionFilterValues as readonly string[]).includes(v) ? (v as AuditActionFilter) : undefined;
}

/** A valid `action` filter: one of the actions, a family, or empty. */
export function validateActionFilter(value: string): string | null {
  const v = value.trim();
  if (v === "" || asActionFilter(v)) return null;
  return "Use an action such as user.role_changed, or a family such as user.*.";
}

/** `{"role": {"from": "viewer", "to": "admin"}}` → `role: viewer → admin`. */
export function describeDiff(diff: unknown): string {
  if (diff === null || typeof diff !== "object") return "";
  return Object.entries(diff as Record<string, unknown>)
    .map(([field, change]) => {
      if (change && typeof change === "object" && "from" in change && "to" in change) {
        const c = change as { from: unknown; to: unknown };
        return `${field}: ${show(c.from)} → ${show(c.to)}`;
      }
      return `${field}: ${show(change)}`;
    })
    .join("; ");
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

const TARGET_WORDS: Record<string, string> = {
  tenant: "organization",
  api_key: "API key",
  app_doc: "docs page",
  app_version: "app version",
  listing: "marketplace listing",
  subscription_key: "subscription key",
};

/** An audit event's target type in words ("organization", never "tenant"). */
export function targetTypeLabel(type: string): string {
  return TARGET_WORDS[type] ?? type.replace(/_/g, " ");
}

export const FAMILY_WORDS: Record<string, string> = {
  tenant: "Organization",
  user: "User",
  api_key: "API key",
  invitation: "Invitation",
  session: "Session",
  project: "Project",
  app: "App",
  app_version: "App version",
  app_doc: "Docs page",
  review: "Review",
  job: "Job",
  marketplace: "Marketplace listing",
  subscription: "Subscription",
  subscription_key: "Subscription key",
  bill: "Bill",
};

/** `api_key` → "API key"; an unknown family → its words ("billing_run" → "Billing run"). */
export function familyLabel(family: string): string {
  const known = FAMILY_WORDS[family];
  if (known) return known;
  const words = family.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `user.role_changed` → "User: role changed"; `user.*` → "All user events". */
export function actionLabel(action: string): string {
  const [family = "", rest = ""] = action.split(/\.(.*)/s);
  if (rest === "*") {
    const f = familyLabel(family);
    return `All ${f.startsWith("API") ? f : f.toLowerCase()} events`;
  }
  return `${familyLabel(family)}: ${rest.replace(/_/g, " ")}`;
}

export interface ActionOption {
  value: string;
  label: string;
}
export interface ActionGroup {
  group: string;
  items: ActionOption[];
}

/**
 * The action filter's choices, from the spec's AuditActionFilter enum
 * (generated, so a new action appears here without a console change):
 * the families first ("All user events"), then each family's actions.
 */
export function actionFilterGroups(values: readonly string[] = auditActionFilterValues): ActionGroup[] {
  const families = values.filter((v) => v.endsWith(".*"));
  const actions = values.filter((v) => !v.endsWith(".*"));
  const groups: ActionGroup[] = [
    { group: "Every event of a kind", items: families.map((f) => ({ value: f, label: actionLabel(f) })) },
  ];
  const order = [...new Set([...families.map((f) => f.slice(0, -2)), ...actions.map((a) => a.split(".")[0] ?? "")])];
  for (const family of order) {
    const items = actions
      .filter((a) => a.split(".")[0] === family)
      .map((a) => ({ value: a, label: actionLabel(a) }))
      .sort((x, y) => x.label.localeCompare(y.label));
    if (items.length) groups.push({ group: familyLabel(family), items });
  }
  return groups;
}
