// Money on the marketplace and on bills: integer minor units (cents) of a
// currency, never floating point. Every amount the console shows goes
// through formatMoney; every price a form takes goes through parseMoney.

/** The currencies the marketplace takes (docs/marketplace.md). */
export const CURRENCIES = ["USD", "EUR", "GBP", "CHF"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Digits after the decimal point; every supported currency has 2. */
export function minorDigits(currency: string): number {
  switch (currency.toUpperCase()) {
    case "JPY":
    case "KRW":
      return 0;
    default:
      return 2;
  }
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Integer minor units → "USD 49.00" (thousands grouped: "EUR 1,234.50").
 * Exact for every safe integer: no division in floating point.
 */
export function formatMoney(minor: number | bigint, currency: string): string {
  const n = typeof minor === "bigint" ? minor : BigInt(Math.trunc(minor));
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const d = minorDigits(currency);
  const s = abs.toString().padStart(d + 1, "0");
  const whole = s.slice(0, s.length - d);
  const frac = d > 0 ? `.${s.slice(s.length - d)}` : "";
  return `${currency.toUpperCase()} ${negative ? "-" : ""}${group(whole)}${frac}`;
}

/**
 * A price typed by a person ("49", "49.5", "1,234.00") → integer minor
 * units, or null when it is not a non-negative amount with at most the
 * currency's decimals.
 */
export function parseMoney(text: string, currency: string = "USD"): number | null {
  const t = text.trim().replace(/,/g, "");
  const d = minorDigits(currency);
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? "";
  if (frac.length > d) return null;
  const value = Number(m[1]) * 10 ** d + Number(frac.padEnd(d, "0") || "0");
  return Number.isSafeInteger(value) ? value : null;
}

/** Minor units → the plain decimal a price input shows ("49.00"). */
export function minorToInput(minor: number, currency: string = "USD"): string {
  return formatMoney(minor, currency).replace(/^[A-Z]+ /, "").replace(/,/g, "");
}
