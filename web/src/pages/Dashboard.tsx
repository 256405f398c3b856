import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useApiKeyCount, usePendingInvitationCount, useUsage, useUserCount } from "../api/queries";
import type { Interval } from "../api/types";
import { useSignedIn } from "../auth/useSignedIn";
import { SelectField } from "../components/Field";
import { ErrorState, Loading } from "../components/States";
import { UsageChart } from "../components/UsageChart";
import { canReadUsage, canReadUsers, canSeeAllKeys } from "../lib/permissions";
import { allowedIntervals, effectiveInterval, RANGE_PRESETS, rangeFor, shapeUsage, type RangePreset } from "../lib/usage";

function Count({
  label,
  query,
  testId,
  to,
}: {
  label: string;
  query: { data?: { count: number; capped: boolean }; isPending: boolean; error: unknown } | null;
  testId: string;
  to?: string;
}) {
  let value: string;
  if (query === null) value = "—";
  else if (query.isPending) value = "…";
  else if (query.error || !query.data) value = "?";
  else value = `${query.data.count}${query.data.capped ? "+" : ""}`;
  return (
    <div className="stat">
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
      <span className="stat-label">{to ? <Link to={to}>{label}</Link> : label}</span>
    </div>
  );
}

export function DashboardPage() {
  const me = useSignedIn();
  const readsUsers = canReadUsers(me);
  const readsUsage = canReadUsage(me);
  const users = useUserCount(readsUsers);
  const keys = useApiKeyCount();
  const invitations = usePendingInvitationCount(readsUsers);

  const [preset, setPreset] = useState<RangePreset>("24h");
  const [chosenInterval, setChosenInterval] = useState<Interval>("hour");
  const [asOf, setAsOf] = useState(() => new Date());
  const interval = effectiveInterval(preset, chosenInterval);
  const range = useMemo(() => rangeFor(preset, asOf), [preset, asOf]);
  const usage = useUsage(range.from, range.to, interval, readsUsage);
  const chart = useMemo(() => (usage.data ? shapeUsage(usage.data.buckets) : null), [usage.data]);

  return (
    <>
      <h1 data-testid="tenant-name">{me.tenant.name}</h1>
      <p className="muted">
        Organization <code>{me.tenant.slug}</code>
      </p>
      <section className="stats" aria-label="Counts">
        <Count label="Users" query={readsUsers ? users : null} testId="count-users" to={readsUsers ? "/users" : undefined} />
        <Count label={canSeeAllKeys(me) ? "API keys" : "Your API keys"} query={keys} testId="count-api-keys" to="/api-keys" />
        <Count
          label="Pending invitations"
          query={readsUsers ? invitations : null}
          testId="count-invitations"
          to={readsUsers ? "/users" : undefined}
        />
      </section>

      <section aria-labelledby="usage-heading">
        <h2 id="usage-heading">API usage</h2>
        {!readsUsage ? (
          <p className="notice" data-testid="usage-not-allowed">
            Your role cannot read usage analytics.
          </p>
        ) : (
          <>
            <div className="toolbar">
              <SelectField<RangePreset>
                label="Range"
                value={preset}
                onValue={setPreset}
                options={RANGE_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
              />
              <SelectField<Interval>
                label="Interval"
                value={interval}
                onValue={setChosenInterval}
                options={[
                  { value: "hour", label: "Hourly", disabled: !allowedIntervals(preset).includes("hour") },
                  { value: "day", label: "Daily" },
                ]}
                hint={allowedIntervals(preset).includes("hour") ? undefined : "Hourly buckets cover at most 31 days."}
              />
              <button type="button" onClick={() => setAsOf(new Date())}>
                Refresh
              </button>
            </div>
            {usage.isPending ? (
              <Loading label="Loading usage…" />
            ) : usage.error ? (
              <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />
            ) : chart && chart.totals.requests === 0 ? (
              <>
                <UsageChart data={chart} interval={interval} />
                <p className="state state-empty" data-testid="empty-state">
                  No API requests in this range yet.
                </p>
              </>
            ) : chart ? (
              <UsageChart data={chart} interval={interval} />
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
