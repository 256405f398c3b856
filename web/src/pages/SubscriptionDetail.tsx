// One subscription: state, plan and period; change the plan, cancel at the
// period's end or resume; and its subscription keys (create — the key is
// shown once —, list with the remaining uses, revoke).
import { Alert, Anchor, Badge, Button, Code, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import {
  cancelSubscription,
  createSubscriptionKey,
  marketKeys,
  revokeSubscriptionKey,
  updateSubscription,
  useListing,
  useSubscription,
  useSubscriptionKeys,
  type NewSubscriptionKey,
  type SubscriptionView,
} from "../api/marketplace";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { CopyButton } from "../components/CopyButton";
import { DataTable } from "../components/DataTable";
import { Facts } from "../components/Facts";
import { SelectField, SubmitButton, TextField } from "../components/Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, QueryView, TableSkeleton } from "../components/States";
import { formatDateTime, formatNumber, localInputToIso } from "../lib/format";
import { canWriteSubscriptions, isLive, planPrice, STATE_COLORS, STATE_LABELS, subscriptionPlanId, subscriptionPlanName } from "../lib/marketplace";
import { useForm } from "../lib/useForm";
import { validateName } from "../lib/validation";
import { usePageTitle } from "../lib/usePageTitle";

function PlanAndCancel({ sub }: { sub: SubscriptionView }) {
  const queryClient = useQueryClient();
  const listing = useListing(sub.listing_id);
  const [plan, setPlan] = useState(subscriptionPlanId(sub));
  const [message, setMessage] = useState<FormMessageValue>(null);
  const done = (text: string) => async (updated: SubscriptionView) => {
    queryClient.setQueryData(marketKeys.subscription(sub.id), updated);
    await queryClient.invalidateQueries({ queryKey: ["subscriptions", "list"] });
    await queryClient.invalidateQueries({ queryKey: marketKeys.marketplace });
    setMessage(successMessage(text));
  };
  const fail = (err: unknown) => setMessage(errorMessage(describeError(err)));
  const change = useMutation({
    mutationFn: () => updateSubscription(sub.id, { plan }),
    onMutate: () => setMessage(null),
    onSuccess: done("Plan changed: billing pro-rates both plans over the month."),
    onError: fail,
  });
  const cancel = useMutation({
    mutationFn: () => cancelSubscription(sub.id),
    onMutate: () => setMessage(null),
    onSuccess: done(sub.state === "trialing" ? "Canceled: it ends with the trial and is never billed." : "Canceled: it ends at the end of the current period."),
    onError: fail,
  });
  const resume = useMutation({
    mutationFn: () => updateSubscription(sub.id, { cancel_at_period_end: false }),
    onMutate: () => setMessage(null),
    onSuccess: done("Resumed: the subscription continues."),
    onError: fail,
  });
  const plans = listing.data?.plans ?? [];
  const current = subscriptionPlanId(sub);
  return (
    <Panel title="Plan and cancellation" testId="subscription-actions">
      {plans.length > 0 && (
        <Group align="flex-end" gap="sm">
          <SelectField<string>
            label="Plan"
            value={plan}
            onValue={setPlan}
            options={[
              ...(plans.some((p) => p.id === current) ? [] : [{ value: current, label: `${subscriptionPlanName(sub)} (retired)` }]),
              ...plans.map((p) => ({ value: p.id, label: `${p.name} — ${planPrice(p)}` })),
            ]}
            miw={260}
          />
          <SubmitButton
            type="button"
            variant="default"
            submitting={change.isPending}
            busyLabel="Changing…"
            disabled={plan === current}
            onClick={() => !change.isPending && plan !== current && change.mutate()}
          >
            Change plan
          </SubmitButton>
        </Group>
      )}
      {listing.error && !(listing.error instanceof ApiError && listing.error.isNotFound) && <ErrorState error={listing.error} />}
      <Group gap="sm">
        {sub.cancel_at_period_end ? (
          <SubmitButton type="button" variant="default" submitting={resume.isPending} busyLabel="Resuming…" onClick={() => !resume.isPending && resume.mutate()}>
            Resume subscription
          </SubmitButton>
        ) : (
          <ConfirmButton label="Cancel at period end" size="sm" confirmLabel="Confirm canceling" busy={cancel.isPending} onConfirm={() => cancel.mutate()} />
        )}
      </Group>
      <FormMessage message={message} testId="subscription-message" />
    </Panel>
  );
}

export interface KeyFormValues {
  name: string;
  remaining_usage_count: string;
  expires_at: string;
  rate_limit_per_minute: string;
}

export function validateKeyForm(v: KeyFormValues) {
  const e: Partial<Record<keyof KeyFormValues, string>> = {};
  const name = validateName(v.name, "Key name");
  if (name) e.name = name;
  if (!/^\d{1,15}$/.test(v.remaining_usage_count.trim())) e.remaining_usage_count = "A whole number of uses.";
  if (!/^\d{1,6}$/.test(v.rate_limit_per_minute.trim()) || Number(v.rate_limit_per_minute) < 1 || Number(v.rate_limit_per_minute) > 100000)
    e.rate_limit_per_minute = "1 to 100,000 requests a minute.";
  if (v.expires_at && !localInputToIso(v.expires_at)) e.expires_at = "A date and time.";
  else if (v.expires_at && new Date(v.expires_at).getTime() <= Date.now()) e.expires_at = "A time in the future.";
  return e;
}

/** The secret, shown once. It lives only in this component's state. */
function CreatedKey({ created, onDone }: { created: NewSubscriptionKey; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The panel appears above the form that made it: take focus there.
  useEffect(() => heading.current?.focus(), [created.id]);
  return (
    <Paper withBorder radius="md" p={{ base: "md", sm: "lg" }} className="secret" data-testid="created-key">
      <Stack component="section" aria-labelledby="sub-secret-heading" gap="sm">
        <Title order={3} size="h4" id="sub-secret-heading" ref={heading} tabIndex={-1}>
          Your new subscription key “{created.name}”
        </Title>
        <Alert color="yellow" variant="light" role="alert">
          Copy this key now. This is the only time the key is shown: QHub stores only a hash of it and cannot show it again.
        </Alert>
        <code className="secret-value" data-testid="created-key-value">
          {created.key}
        </code>
        <CopyButton text={created.key} label="Copy key" />
        <Group>
          <Button variant="default" onClick={onDone}>
            I have stored it
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Keys({ sub }: { sub: SubscriptionView }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const keys = useSubscriptionKeys(sub.id);
  const [created, setCreated] = useState<NewSubscriptionKey | null>(null);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const writer = canWriteSubscriptions(me);
  const form = useForm<KeyFormValues>(
    { name: "", remaining_usage_count: "1000", expires_at: "", rate_limit_per_minute: "600" },
    validateKeyForm,
    async (v) => {
      const key = await createSubscriptionKey(sub.id, {
        name: v.name.trim(),
        remaining_usage_count: Number(v.remaining_usage_count.trim()),
        rate_limit_per_minute: Number(v.rate_limit_per_minute.trim()),
        ...(v.expires_at ? { expires_at: localInputToIso(v.expires_at) } : {}),
      });
      setCreated(key);
      form.setValues({ name: "", remaining_usage_count: "1000", expires_at: "", rate_limit_per_minute: "600" });
      await queryClient.invalidateQueries({ queryKey: marketKeys.keys(sub.id) });
    },
  );
  const revoke = useMutation({
    mutationFn: (keyId: string) => revokeSubscriptionKey(sub.id, keyId),
    onMutate: () => setMessage(null),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: marketKeys.keys(sub.id) });
      setMessage(successMessage("Key revoked: it no longer works."));
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });

  let list;
  if (keys.isPending) list = <TableSkeleton label="Loading keys…" columns={5} />;
  else if (keys.error) list = <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />;
  else if (keys.data.items.length === 0) list = <EmptyState>No keys yet.</EmptyState>;
  else
    list = (
      <DataTable label="Subscription keys" minWidth={760}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Name</Table.Th>
            <Table.Th scope="col">Prefix</Table.Th>
            <Table.Th scope="col">Remaining uses</Table.Th>
            <Table.Th scope="col">Rate limit</Table.Th>
            <Table.Th scope="col">Expires</Table.Th>
            <Table.Th scope="col">Last used</Table.Th>
            {writer && <Table.Th scope="col">Actions</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.data.items.map((k) => (
            <Table.Tr key={k.id} data-testid="subscription-key-row" data-key-name={k.name}>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>
                <Code>{k.prefix}</Code>
              </Table.Td>
              <Table.Td data-testid="key-remaining">{formatNumber(k.remaining_usage_count)}</Table.Td>
              <Table.Td>{formatNumber(k.rate_limit_per_minute)} / min</Table.Td>
              <Table.Td>{k.expires_at ? formatDateTime(k.expires_at) : "Never"}</Table.Td>
              <Table.Td>{formatDateTime(k.last_used_at)}</Table.Td>
              {writer && (
                <Table.Td>
                  {k.revoked_at ? (
                    <Badge color="gray" variant="dot" tt="none">
                      Revoked
                    </Badge>
                  ) : (
                    <ConfirmButton label={`Revoke ${k.name}`} confirmLabel="Confirm revoking" busy={revoke.isPending} onConfirm={() => revoke.mutate(k.id)} />
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
    );

  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        Subscription keys
      </Title>
      <Text size="sm" c="dimmed">
        A key runs this app's published versions as jobs (<Code>X-API-Key</Code>) and reads their results. Every request it makes is one use.
      </Text>
      {list}
      <FormMessage message={message} testId="keys-message" />
      {writer && isLive(sub) && (
        <Panel title="Create a subscription key" form={form} testId="create-key">
          {created && <CreatedKey created={created} onDone={() => setCreated(null)} />}
          <Group grow align="flex-start" wrap="wrap">
            <TextField label="Key name" {...form.field("name")} miw={200} />
            <TextField label="Uses" {...form.field("remaining_usage_count")} inputMode="numeric" hint="Requests it may make in all." miw={160} />
          </Group>
          <Group grow align="flex-start" wrap="wrap">
            <TextField label="Expires (optional)" type="datetime-local" {...form.field("expires_at")} miw={200} />
            <TextField label="Rate limit per minute" {...form.field("rate_limit_per_minute")} inputMode="numeric" miw={160} />
          </Group>
          <FormMessage message={form.message} />
          <Group>
            <SubmitButton submitting={form.submitting} busyLabel="Creating…">
              Create key
            </SubmitButton>
          </Group>
        </Panel>
      )}
    </Stack>
  );
}

export function SubscriptionDetailPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const sub = useSubscription(id);
  const notFound = sub.error instanceof ApiError && sub.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : sub.data ? `${sub.data.app_name ?? "Subscription"} · Subscription` : "Subscription");
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/subscriptions">
        ← Subscriptions
      </Anchor>
      <QueryView query={sub} loadingLabel="Loading the subscription…">
        {(s) => (
          <>
            <Group gap="sm" align="center">
              <Title order={1} data-testid="subscription-name">
                {s.app_name ?? "Subscription"}
              </Title>
              <Badge variant="dot" color={STATE_COLORS[s.state]} tt="none" size="lg" data-testid="subscription-state" data-state={s.state}>
                {STATE_LABELS[s.state]}
              </Badge>
            </Group>
            <Facts
              items={[
                { label: "Plan", value: subscriptionPlanName(s), testId: "subscription-plan" },
                !!s.provider_name && { label: "Provider", value: s.provider_name, testId: "subscription-provider" },
                { label: "Listing", value: <Anchor component={Link} to={`/marketplace/${s.listing_id}`}>Open the listing</Anchor> },
                s.state === "trialing" && { label: "Trial ends", value: formatDateTime(s.trial_ends_at), testId: "subscription-trial-ends" },
                {
                  label: "Current period",
                  value: `${formatDateTime(s.current_period_start)} – ${formatDateTime(s.current_period_end)}`,
                  testId: "subscription-period",
                },
                isLive(s) && {
                  label: "At period end",
                  value: s.cancel_at_period_end ? "Ends (canceled)" : s.state === "trialing" ? "Becomes a paid subscription" : "Renews",
                  testId: "subscription-renewal",
                },
                { label: "Since", value: formatDateTime(s.created_at) },
                !!s.ended_at && { label: "Ended", value: formatDateTime(s.ended_at) },
              ]}
            />
            {canWriteSubscriptions(me) && isLive(s) && <PlanAndCancel key={`${s.id}-${subscriptionPlanId(s)}`} sub={s} />}
            <Keys sub={s} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}

export default SubscriptionDetailPage;
