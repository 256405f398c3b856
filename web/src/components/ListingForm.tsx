// The listing's terms as a form: a plans editor (name, price, currency,
// period, included shots, overage per 1,000 shots; 1–10 plans), the trial
// days and the support email. Prices are typed as decimals and sent as
// integer minor units (lib/money.ts). Used to sell an app (AppDetail) and
// to change a listing (Listing).
import { Button, Fieldset, Group, SimpleGrid, Stack } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { currencyValues, planPeriodValues, type Currency, type PlanInput, type PlanPeriod } from "../api/marketplace";
import { describeError } from "../api/problem";
import {
  emptyPlan,
  planFormFrom,
  plansFromForm,
  validatePlans,
  validateSupportEmail,
  validateTrialDays,
  type PlanErrors,
  type PlanFormValues,
} from "../lib/marketplace";
import { SelectField, SubmitButton, TextField } from "./Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "./FormMessage";
import { Panel } from "./Panel";

export interface ListingTerms {
  plans: PlanInput[];
  trial_days: number;
  support_email: string;
}

export function ListingForm({
  title,
  initial,
  submitLabel,
  busyLabel,
  onSubmit,
  testId,
}: {
  title: string;
  initial?: ListingTerms;
  submitLabel: string;
  busyLabel: string;
  /** Resolves with a success sentence to show, or throws (an ApiError is described). */
  onSubmit: (terms: ListingTerms) => Promise<string>;
  testId?: string;
}) {
  const [plans, setPlans] = useState<PlanFormValues[]>(initial ? initial.plans.map(planFormFrom) : [emptyPlan()]);
  const [trialDays, setTrialDays] = useState(String(initial?.trial_days ?? 14));
  const [email, setEmail] = useState(initial?.support_email ?? "");
  const [errors, setErrors] = useState<{ plans: PlanErrors; trial?: string; email?: string }>({ plans: [] });
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [submitting, setSubmitting] = useState(false);

  const setPlan = (i: number, patch: Partial<PlanFormValues>) => setPlans((ps) => ps.map((p, j) => (j === i ? { ...p, ...patch } : p)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (submitting) return;
    const v = validatePlans(plans);
    const trial = validateTrialDays(trialDays) ?? undefined;
    const mail = validateSupportEmail(email) ?? undefined;
    setErrors({ plans: v.errors, trial, email: mail });
    const invalid = v.form || trial || mail || v.errors.some((p) => Object.keys(p).length > 0);
    if (invalid) {
      setMessage(errorMessage(v.form ?? "Please correct the highlighted fields."));
      return;
    }
    setSubmitting(true);
    setMessage(null);
    try {
      const text = await onSubmit({ plans: plansFromForm(plans), trial_days: Number(trialDays.trim()), support_email: email.trim() });
      setMessage(successMessage(text));
    } catch (err) {
      setMessage(errorMessage(describeError(err)));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Panel title={title} form={{ onSubmit: (e) => void submit(e) }} testId={testId}>
      <Stack gap="sm">
        {plans.map((p, i) => {
          const pe = errors.plans[i] ?? {};
          return (
            <Fieldset key={i} legend={`Plan ${i + 1}${p.name.trim() ? `: ${p.name.trim()}` : ""}`} data-testid="plan-editor">
              <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
                <TextField label="Plan name" name={`plans.${i}.name`} value={p.name} onValue={(name) => setPlan(i, { name })} error={pe.name} />
                <TextField label="Price" name={`plans.${i}.price`} value={p.price} onValue={(price) => setPlan(i, { price })} error={pe.price} inputMode="decimal" placeholder="49.00" />
                <SelectField<Currency>
                  label="Currency"
                  value={p.currency}
                  onValue={(currency) => setPlan(i, { currency })}
                  options={currencyValues.map((c) => ({ value: c, label: c }))}
                />
                <SelectField<PlanPeriod>
                  label="Billing period"
                  value={p.period}
                  onValue={(period) => setPlan(i, { period })}
                  options={planPeriodValues.map((c) => ({ value: c, label: c === "month" ? "Monthly" : "Yearly" }))}
                />
                <TextField
                  label="Included shots"
                  name={`plans.${i}.included_shots`}
                  value={p.included_shots}
                  onValue={(included_shots) => setPlan(i, { included_shots })}
                  error={pe.included_shots}
                  inputMode="numeric"
                  hint={p.period === "year" ? "Per year" : "Per month"}
                />
                <TextField
                  label="Overage price per 1,000 shots"
                  name={`plans.${i}.overage`}
                  value={p.overage}
                  onValue={(overage) => setPlan(i, { overage })}
                  error={pe.overage}
                  inputMode="decimal"
                  placeholder="0.25"
                />
              </SimpleGrid>
              {plans.length > 1 && (
                <Group mt="sm">
                  <Button variant="default" size="xs" onClick={() => setPlans((ps) => ps.filter((_, j) => j !== i))}>
                    Remove plan {i + 1}
                  </Button>
                </Group>
              )}
            </Fieldset>
          );
        })}
        {plans.length < 10 && (
          <Group>
            <Button variant="default" size="sm" onClick={() => setPlans((ps) => [...ps, emptyPlan()])}>
              Add a plan
            </Button>
          </Group>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextField label="Trial days" name="trial_days" value={trialDays} onValue={setTrialDays} error={errors.trial} inputMode="numeric" hint="0 for no trial; at most 90." />
          <TextField label="Support email" name="support_email" type="email" value={email} onValue={setEmail} error={errors.email} maxLength={254} />
        </SimpleGrid>
        <FormMessage message={message} testId={testId ? `${testId}-message` : undefined} />
        <Group>
          <SubmitButton submitting={submitting} busyLabel={busyLabel}>
            {submitLabel}
          </SubmitButton>
        </Group>
      </Stack>
    </Panel>
  );
}
