// Usage over a chosen range: totals, the bar chart and an honest empty
// state. The dashboard's panel can break the requests down by route or by
// API key (from the summary's top routes and keys); an API key's page shows
// that key only (`keyId`).
import { Anchor, Button, Group, Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useKeyNames, useUsageSeries, useUsageSummary } from "../api/insights";
import { formatNumber } from "../lib/format";
import { formatLatency, isEmptyUsage, planRange, RANGE_PRESETS, toBars, totalsOf, type RangePreset } from "../lib/usage";
import { SelectField } from "./Field";
import { ErrorState, Loading } from "./States";
import { UsageChart } from "./UsageChart";

/** "all", "route:/v1/users" or "key:<uuid>". */
export type Breakdown = string;

export function parseBreakdown(b: Breakdown): { route: string | null; keyId: string | null } {
  if (b.startsWith("route:")) return { route: b.slice(6), keyId: null };
  if (b.startsWith("key:")) return { route: null, keyId: b.slice(4) };
  return { route: null, keyId: null };
}

function Stat({ label, value, testId, raw }: { label: string; value: string; testId: string; raw?: number }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="lg" fw={700} data-testid={testId} data-value={raw}>
        {value}
      </Text>
    </div>
  );
}

export function UsagePanel({ keyId, keyName }: { keyId?: string; keyName?: string }) {
  const [preset, setPreset] = useState<RangePreset>(keyId ? "7d" : "24h");
  const [asOf, setAsOf] = useState(() => new Date());
  const [breakdown, setBreakdown] = useState<Breakdown>("all");
  const plan = useMemo(() => planRange(preset, asOf), [preset, asOf]);
  const from = plan.from.toISOString();
  const to = plan.to.toISOString();
  const by = keyId ? { route: null, keyId } : parseBreakdown(breakdown);
  const summary = useUsageSummary(from, to, by.keyId);
  // The breakdown choices come from the unfiltered summary (same query when nothing is filtered).
  const overall = useUsageSummary(from, to, null, !keyId);
  const series = useUsageSeries(from, to, plan.interval, by);
  const names = useKeyNames(!keyId);
  const bars = useMemo(() => (series.data ? toBars(series.data.buckets, plan) : null), [series.data, plan]);

  const keyLabel = (id: string) => {
    const name = names.data?.[id];
    return name ? `Key “${name}”` : `Key ${id.slice(0, 8)}… (not yours)`;
  };
  const options = [{ value: "all", label: "All requests" }];
  if (!keyId && overall.data) {
    for (const r of overall.data.top_routes ?? []) options.push({ value: `route:${r.route}`, label: `Route ${r.route}` });
    for (const k of overall.data.top_keys ?? []) options.push({ value: `key:${k.api_key_id}`, label: keyLabel(k.api_key_id) });
  }
  // A breakdown from an earlier range stays selectable until changed.
  if (!options.some((o) => o.value === breakdown)) {
    const p = parseBreakdown(breakdown);
    options.push({ value: breakdown, label: p.route ? `Route ${p.route}` : p.keyId ? keyLabel(p.keyId) : breakdown });
  }

  const subject = keyId
    ? `Requests with key “${keyName ?? "this key"}”`
    : by.route
      ? `Requests to ${by.route}`
      : by.keyId
        ? `Requests with ${keyLabel(by.keyId).replace(/^Key/, "key")}`
        : "API requests";
  const totals = bars ? totalsOf(bars) : null;
  // The summary has no route filter: its latency is for all routes.
  const p95 = summary.data && !by.route ? formatLatency(summary.data.p95_us) : "—";

  let body;
  if (series.isPending) {
    body = (
      <Paper withBorder radius="md" p="md">
        <Loading label="Loading usage…" lines={6} />
      </Paper>
    );
  } else if (series.error) {
    body = <ErrorState error={series.error} onRetry={() => void series.refetch()} />;
  } else if (bars && isEmptyUsage(bars)) {
    body = (
      <Paper withBorder radius="md" p="md" data-testid="usage-empty">
        <Text fw={600}>
          {keyId
            ? `No requests with this key in ${plan.phrase}.`
            : by.route
              ? `No requests to ${by.route} in ${plan.phrase}.`
              : by.keyId
                ? `No requests with this key in ${plan.phrase}.`
                : `No API requests in ${plan.phrase}.`}
        </Text>
        <Text size="sm" c="dimmed">
          {keyId ? (
            "Requests made with the key show up here within a minute."
          ) : (
            <>
              <Anchor component={Link} to="/api-keys#create" inherit>
                Create an API key
              </Anchor>{" "}
              and run the snippet shown with it: requests show up here within a minute.
            </>
          )}
        </Text>
      </Paper>
    );
  } else if (bars) {
    body = <UsageChart bars={bars} plan={plan} subject={subject} />;
  }

  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="md" wrap="wrap">
        <SelectField<RangePreset>
          label="Range"
          value={preset}
          onValue={setPreset}
          options={RANGE_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
        />
        {!keyId && <SelectField label="Breakdown" value={breakdown} onValue={setBreakdown} options={options} style={{ minWidth: 0, maxWidth: "100%" }} />}
        <Button
          variant="default"
          onClick={() => {
            // A new hour is a new range (new query keys); within the same
            // hour the keys stay, so refetch what is shown.
            setAsOf(new Date());
            void summary.refetch();
            if (!keyId) void overall.refetch();
            void series.refetch();
          }}
        >
          Refresh
        </Button>
      </Group>
      {totals && (
        <SimpleGrid cols={{ base: 2, xs: 4 }} spacing="sm" aria-label="Totals" component="section">
          <Stat label="Requests" value={formatNumber(totals.requests)} raw={totals.requests} testId={keyId ? "key-usage-requests" : "usage-total-requests"} />
          <Stat label="Errors (4xx + 5xx)" value={formatNumber(totals.errors)} raw={totals.errors} testId={keyId ? "key-usage-errors" : "usage-total-errors"} />
          <Stat
            label="4xx / 5xx"
            value={`${formatNumber(totals.errors4xx)} / ${formatNumber(totals.errors5xx)}`}
            testId={keyId ? "key-usage-4xx-5xx" : "usage-4xx-5xx"}
          />
          <Stat label="p95 latency" value={p95} testId={keyId ? "key-usage-p95" : "usage-p95"} />
        </SimpleGrid>
      )}
      {body}
    </Stack>
  );
}
