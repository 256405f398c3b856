// The getting-started checklist's steps, from GET /v1/tenant/onboarding.
import type { Onboarding } from "../api/insights";
import { ApiError, describeError } from "../api/problem";

export type StepId = "email" | "invite" | "key" | "call";

export interface Step {
  id: StepId;
  title: string;
  done: boolean;
}

export function onboardingSteps(o: Onboarding): Step[] {
  return [
    { id: "email", title: "Verify your email address", done: o.email_verified },
    { id: "invite", title: "Invite a teammate", done: o.teammate_invited },
    { id: "key", title: "Create an API key", done: o.api_key_created },
    { id: "call", title: "Make your first API call", done: o.first_call_made },
  ];
}

/** "2 of 4 done". */
export function progressText(steps: readonly Step[]): string {
  return `${steps.filter((s) => s.done).length} of ${steps.length} done`;
}

/**
 * What the card shows: the checklist while a step is open; a short "all
 * set" once the steps were completed while the page was open (so the user
 * sees the last tick land); nothing for an organization that was already
 * set up when the page loaded.
 */
export function checklistMode(o: Onboarding, sawIncomplete: boolean): "list" | "done" | "hidden" {
  if (!o.complete) return "list";
  return sawIncomplete ? "done" : "hidden";
}

/**
 * The outcome of POST /v1/auth/verify-email/resend as words, and whether the
 * checklist should look again (409: the address is verified already).
 */
export function resendOutcome(err: unknown): { kind: "success" | "error"; text: string; refetch: boolean } {
  if (err === null) return { kind: "success", text: "Verification email sent. Open the link in it to tick this step.", refetch: false };
  if (err instanceof ApiError && err.status === 409) {
    return { kind: "success", text: "Your email address is already verified.", refetch: true };
  }
  if (err instanceof ApiError && err.status === 429) {
    const wait = err.retryAfter ? ` Try again in ${minutesText(err.retryAfter)}.` : " Try again later.";
    return {
      kind: "error",
      text: `Too many verification emails: at most 3 an hour.${wait} Check your spam folder for the ones already sent.`,
      refetch: false,
    };
  }
  return { kind: "error", text: describeError(err), refetch: false };
}

function minutesText(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} seconds`;
  const m = Math.ceil(seconds / 60);
  return m === 1 ? "1 minute" : `${m} minutes`;
}
