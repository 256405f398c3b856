// A strength meter under a new-password field: a bar, a word ("Too weak" …
// "Very strong") and zxcvbn's warning, announced politely as the person
// types. It appears once the estimator's chunk has loaded and a password has
// been typed; scores under 2 are the ones the server refuses.
import { Progress, Stack, Text } from "@mantine/core";
import { MIN_PASSWORD_SCORE, STRENGTH_LABELS, usePasswordStrength } from "../lib/passwordStrength";
import type { FieldBinding } from "../lib/useForm";
import { PASSWORD_MIN } from "../lib/validation";
import { TextField } from "./Field";

const COLORS = ["red", "orange", "yellow", "teal", "green"] as const;

export function PasswordStrength({
  password,
  userInputs = [],
  testId = "password-strength",
}: {
  password: string;
  /** Words the password must not lean on: the person's email and name, the organization's slug and name. */
  userInputs?: readonly string[];
  testId?: string;
}) {
  const estimate = usePasswordStrength(password, userInputs);
  const label = estimate ? STRENGTH_LABELS[estimate.score] : "";
  const refused = estimate ? estimate.score < MIN_PASSWORD_SCORE : false;
  return (
    // Always rendered (empty until there is something to say), so screen
    // readers track the live region from the start.
    <div aria-live="polite" data-testid={testId} data-score={estimate?.score ?? ""}>
      {estimate && (
        <Stack gap={4}>
          <Progress.Root size="sm">
            {/* Mantine's own aria says "40%"; a score of 0–4 with its word says more. */}
            <Progress.Section
              value={(estimate.score + 1) * 20}
              color={COLORS[estimate.score]}
              withAria={false}
              role="progressbar"
              aria-label="Password strength"
              aria-valuemin={0}
              aria-valuemax={4}
              aria-valuenow={estimate.score}
              aria-valuetext={label}
            />
          </Progress.Root>
          <Text size="sm">
            Password strength: <strong data-testid="password-strength-label">{label}</strong>
            {refused ? " (not accepted)" : ""}
          </Text>
          {estimate.warning && (
            <Text size="sm" c="dimmed" data-testid="password-strength-warning">
              {estimate.warning}
            </Text>
          )}
          {refused && !estimate.warning && estimate.suggestions[0] && (
            <Text size="sm" c="dimmed">
              {estimate.suggestions[0]}
            </Text>
          )}
        </Stack>
      )}
    </div>
  );
}

/**
 * A new-password input with its hint and the strength meter under it: the
 * one field of every form that sets a password (signup, invitation, reset,
 * profile, create user). `field` is useForm's binding; the floor itself is
 * `strengthFloor` (lib/passwordStrength.ts).
 */
export function NewPasswordField({
  label,
  field,
  userInputs,
  hint = `At least ${PASSWORD_MIN} characters; a few uncommon words make a good one.`,
}: {
  label: string;
  field: FieldBinding<string>;
  userInputs?: readonly string[];
  hint?: string;
}) {
  return (
    <>
      <TextField label={label} type="password" hint={hint} {...field} autoComplete="new-password" />
      <PasswordStrength password={field.value} userInputs={userInputs} />
    </>
  );
}
