// Words and small rules of the marketplace pages (docs/marketplace.md).
import type { MeResponse } from "../api/types";
import type { BillItemKind, PaymentStatus, PlanInput, PlanPeriod, SubscriptionState, SubscriptionView } from "../api/marketplace";
import { formatNumber } from "./format";
import { formatMoney, parseMoney } from "./money";
import { validateName } from "./validation";

type Scoped = Pick<MeResponse, "scopes">;
/** The session's scopes, as strings (the marketplace scopes are newer than some specs). */
const has = (me: Scoped, scope: string) => (me.scopes as readonly string[]).includes(scope);

/** Browse the marketplace and read listings (`apps:read`). */
export const canBrowseMarketplace = (me: Scoped) => has(me, "apps:read");
/** Sell: publish, change and unlist listings; subscribers; statements (`registry:publish`). */
export const canSell = (me: Scoped) => has(me, "registry:publish");
/** The organization's subscriptions (`subscriptions:read`). */
export const canReadSubscriptions = (me: Scoped) => has(me, "subscriptions:read");
/** Trial, subscribe, change plan, cancel; subscription keys (`subscriptions:write`). */
export const canWriteSubscriptions = (me: Scoped) => has(me, "subscriptions:write");
/** Bills and invoices (`billing:read`). */
export const canReadBilling = (me: Scoped) => has(me, "billing:read");
/** Only an owner marks a bill paid. */
export const canMarkPaid = (me: Pick<MeResponse, "role" | "scopes">) => canReadBilling(me) && me.role === "owner";

export const PERIOD_LABELS: Record<PlanPeriod, string> = { month: "month", year: "year" };

export const STATE_LABELS: Record<SubscriptionState, string> = {
  trialing: "Trialing",
  active: "Active",
  canceled: "Canceled",
  expired: "Expired",
};

export const STATE_COLORS: Record<SubscriptionState, string> = {
  trialing: "blue",
  active: "green",
  canceled: "gray",
  expired: "orange",
};

export const PAYMENT_LABELS: Record<PaymentStatus, string> = { unpaid: "Unpaid", paid: "Paid" };

export const ITEM_KIND_LABELS: Record<BillItemKind, string> = {
  subscription: "Subscription",
  overage: "Overage",
  compute: "Compute",
};

/** "USD 49.00 / month". */
export function planPrice(plan: Pick<PlanInput, "price" | "currency" | "period">): string {
  return `${formatMoney(plan.price, plan.currency)} / ${PERIOD_LABELS[plan.period]}`;
}

/** "USD 0.25 per 1,000 shots". */
export function overagePrice(plan: Pick<PlanInput, "overage_price_per_1000_shots" | "currency">): string {
  return `${formatMoney(plan.overage_price_per_1000_shots, plan.currency)} per 1,000 shots`;
}

/** "December 2026" for the month a bill or a statement row covers (UTC). */
export function monthLabel(iso: string | null | undefined): string {
  if (!iso) return "—";
  if (/^\d{4}-\d{2}$/.test(iso)) iso = `${iso}-01T00:00:00Z`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}

/** The name of a subscription's plan (it keeps a retired plan). */
export function subscriptionPlanName(s: Pick<SubscriptionView, "plan">): string {
  return s.plan.name || "—";
}

export function subscriptionPlanId(s: Pick<SubscriptionView, "plan">): string {
  return s.plan.id;
}

export const isLive = (s: Pick<SubscriptionView, "state">) => s.state === "trialing" || s.state === "active";

// --- the plans editor's form values ------------------------------------------------

export interface PlanFormValues {
  name: string;
  price: string;
  currency: PlanInput["currency"];
  period: PlanPeriod;
  included_shots: string;
  overage: string;
}

export const emptyPlan = (): PlanFormValues => ({
  name: "",
  price: "",
  currency: "USD",
  period: "month",
  included_shots: "0",
  overage: "0",
});

export const planFormFrom = (p: PlanInput): PlanFormValues => ({
  name: p.name,
  price: formatMoney(p.price, p.currency).replace(/^[A-Z]+ /, "").replace(/,/g, ""),
  currency: p.currency,
  period: p.period,
  included_shots: String(p.included_shots),
  overage: formatMoney(p.overage_price_per_1000_shots, p.currency).replace(/^[A-Z]+ /, "").replace(/,/g, ""),
});

/** Per plan, per field, what is wrong (empty when nothing). */
export type PlanErrors = Partial<Record<keyof PlanFormValues, string>>[];

export function validatePlans(plans: readonly PlanFormValues[]): { errors: PlanErrors; form: string | null } {
  const errors: PlanErrors = plans.map(() => ({}));
  let form: string | null = null;
  if (plans.length === 0) form = "Add at least one plan.";
  if (plans.length > 10) form = "At most 10 plans.";
  const seen = new Set<string>();
  plans.forEach((p, i) => {
    const e = errors[i]!;
    const name = p.name.trim();
    const invalid = validateName(p.name, "Plan name");
    if (invalid) e.name = invalid;
    else if (seen.has(name.toLowerCase())) e.name = "Two plans have this name.";
    seen.add(name.toLowerCase());
    if (parseMoney(p.price, p.currency) === null) e.price = "A price like 49 or 49.00.";
    if (!/^\d{1,13}$/.test(p.included_shots.trim())) e.included_shots = "A whole number of shots.";
    if (parseMoney(p.overage, p.currency) === null) e.overage = "A price like 0.25.";
  });
  return { errors, form };
}

export function plansFromForm(plans: readonly PlanFormValues[]): PlanInput[] {
  return plans.map((p) => ({
    name: p.name.trim(),
    price: parseMoney(p.price, p.currency) ?? 0,
    currency: p.currency,
    period: p.period,
    included_shots: Number(p.included_shots.trim()),
    overage_price_per_1000_shots: parseMoney(p.overage, p.currency) ?? 0,
  }));
}

export function validateTrialDays(text: string): string | null {
  if (!/^\d{1,2}$/.test(text.trim())) return "A whole number of days, 0 to 90.";
  const n = Number(text.trim());
  return n > 90 ? "At most 90 days." : null;
}

export function validateSupportEmail(text: string): string | null {
  const t = text.trim();
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(t) && t.length <= 254 ? null : "An email address like support@example.com.";
}

export const shotsLabel = (n: number) => `${formatNumber(n)} shot${n === 1 ? "" : "s"}`;
