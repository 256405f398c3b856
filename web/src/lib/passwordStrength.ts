// Password strength, estimated the way the server does it: zxcvbn (here
// zxcvbn-ts), the first 64 characters scored, the person's and the
// organization's own words counted as already guessed, and a score under 2
// refused with the server's wording. The estimator and its dictionaries are
// large, so they load lazily (a separate chunk) the first time a password
// field asks for them.
import { useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/problem";

/** The server's floor (MIN_PASSWORD_SCORE): scores 0 and 1 are refused. */
export const MIN_PASSWORD_SCORE = 2;
/** Only this many leading characters are scored (as on the server). */
export const SCORED_PREFIX = 64;

export const STRENGTH_LABELS = ["Too weak", "Weak", "Fair", "Strong", "Very strong"] as const;

export interface StrengthEstimate {
  score: 0 | 1 | 2 | 3 | 4;
  /** zxcvbn's warning ("This is a commonly used password."), or "". */
  warning: string;
  suggestions: string[];
}

export type Estimator = (password: string, userInputs: readonly string[]) => StrengthEstimate;

let loading: Promise<Estimator> | null = null;
let loaded: Estimator | null = null;

/** Loads zxcvbn-ts and its dictionaries once (a dynamic import: its own chunk). */
export function loadEstimator(): Promise<Estimator> {
  if (!loading) {
    loading = import("./zxcvbnOptions")
      .then(({ createFactory }) => {
        const factory = createFactory();
        const estimate: Estimator = (password, userInputs) => {
          const r = factory.check(password.slice(0, SCORED_PREFIX), ["qhub", ...userInputs.filter((w) => w.trim() !== "")]);
          return { score: r.score, warning: r.feedback.warning ?? "", suggestions: r.feedback.suggestions };
        };
        loaded = estimate;
        return estimate;
      })
      .catch((err: unknown) => {
        loading = null; // let a later attempt try again
        throw err;
      });
  }
  return loading;
}

/** The estimator if it has loaded already (synchronous callers), else null. */
export function loadedEstimator(): Estimator | null {
  return loaded;
}

/** For tests: forget the loaded estimator. */
export function resetEstimatorForTests(): void {
  loading = null;
  loaded = null;
}

/**
 * The server's words for a refused password (core/src/identity/password.rs):
 * "is too easy to guess (this is a commonly used password); use a few
 * uncommon words or a longer passphrase".
 */
export function tooWeakMessage(warning: string): string {
  const why = warning.trim().replace(/\.+$/, "").toLowerCase();
  return `is too easy to guess${why ? ` (${why})` : ""}; use a few uncommon words or a longer passphrase`;
}

/** As a field error: "Password is too easy to guess (…); use … passphrase." */
export function tooWeakFieldError(warning: string): string {
  return `Password ${tooWeakMessage(warning)}.`;
}

/** The field error for `password` when it is too weak, or null (also while the estimator is not loaded). */
export function weakPasswordError(
  estimator: Estimator | null,
  password: string,
  userInputs: readonly string[],
): string | null {
  if (!estimator || password === "") return null;
  const r = estimator(password, userInputs);
  return r.score < MIN_PASSWORD_SCORE ? tooWeakFieldError(r.warning) : null;
}

/**
 * The same check for a submit function, waiting for the estimator if it has
 * not loaded yet. If it cannot load, the server decides (null).
 */
export async function checkPasswordStrength(password: string, userInputs: readonly string[]): Promise<string | null> {
  try {
    return weakPasswordError(await loadEstimator(), password, userInputs);
  } catch {
    return null;
  }
}

/**
 * A client-side refusal shaped like the server's 422, for a submit function
 * to throw: useForm puts it next to `field` and focuses that field.
 */
export function clientFieldError(field: string, message: string): ApiError {
  return new ApiError({ status: 422, code: "validation_failed", detail: message, fieldErrors: { [field]: message } });
}

/**
 * The strength floor for one form, in both places useForm checks: `validate`
 * (instant, once the estimator has loaded; skipped when the field already has
 * an error) and `beforeSubmit` (waits for the estimator, then throws a
 * field error shaped like the server's 422, which useForm shows on `field`
 * and focuses). Every new-password form uses this one piece.
 */
export function strengthFloor<T>(field: keyof T & string, words: (v: T) => readonly string[]) {
  const password = (v: T) => String(v[field] ?? "");
  return {
    validate(v: T, errors: Partial<Record<keyof T & string, string>>): Partial<Record<keyof T & string, string>> {
      if (errors[field]) return errors;
      const weak = weakPasswordError(loadedEstimator(), password(v), words(v));
      return weak ? { ...errors, [field]: weak } : errors;
    },
    async beforeSubmit(v: T): Promise<void> {
      const weak = await checkPasswordStrength(password(v), words(v));
      if (weak) throw clientFieldError(field, weak);
    },
  };
}

/** The loaded estimator, or null until its chunk has arrived (starts loading on mount). */
export function useEstimator(): Estimator | null {
  const [estimator, setEstimator] = useState<Estimator | null>(() => loaded);
  useEffect(() => {
    if (estimator) return;
    let live = true;
    loadEstimator()
      .then((e) => {
        if (live) setEstimator(() => e);
      })
      .catch(() => undefined); // no meter; the server still checks
    return () => {
      live = false;
    };
  }, [estimator]);
  return estimator;
}

/** The estimate for `password` (null until the estimator loads or while the password is empty). */
export function usePasswordStrength(password: string, userInputs: readonly string[]): StrengthEstimate | null {
  const estimator = useEstimator();
  const key = userInputs.join("\u0000");
  return useMemo(
    () => (estimator && password !== "" ? estimator(password, key.split("\u0000")) : null),
    [estimator, password, key],
  );
}
