// One marketplace listing: the app, its publisher and its plans (price,
// period, included shots, overage per 1,000 shots), with "Start trial" and
// "Subscribe" per plan for another organization. The provider also gets
// the listing's subscribers and its settings (change the terms, unlist).
import { Anchor, Badge, Button, Group, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import {
  marketKeys,
  startTrial,
  subscribe,
  unlistListing,
  updateListing,
  useListing,
  useSubscribers,
  type ListingView,
  type PlanView,
} from "../api/marketplace";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { DataTable } from "../components/DataTable";
import { Facts } from "../components/Facts";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "../components/FormMessage";
import { ListingForm } from "../components/ListingForm";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, QueryView, TableSkeleton } from "../components/States";
import { formatRating } from "../lib/apps";
import { formatDateTime, formatNumber } from "../lib/format";
import { canSell, canWriteSubscriptions, overagePrice, planPrice, STATE_COLORS, STATE_LABELS } from "../lib/marketplace";
import { useCursorPager } from "../lib/paging";
import { usePageTitle } from "../lib/usePageTitle";

const TABS = ["plans", "subscribers", "settings"] as const;
type ListingTab = (typeof TABS)[number];
const TAB_LABELS: Record<ListingTab, string> = { plans: "Plans", subscribers: "Subscribers", settings: "Settings" };

function Plans({ listing }: { listing: ListingView }) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const buyer = !listing.own && canWriteSubscriptions(me) && listing.status === "listed" && !listing.subscription_id;
  const act = useMutation({
    mutationFn: ({ kind, plan }: { kind: "trial" | "subscribe"; plan: PlanView }) =>
      kind === "trial" ? startTrial(listing.id, plan.id) : subscribe(listing.id, plan.id),
    onMutate: () => setMessage(null),
    onSuccess: async (sub) => {
      queryClient.setQueryData(marketKeys.subscription(sub.id), sub);
      await queryClient.invalidateQueries({ queryKey: marketKeys.marketplace });
      await queryClient.invalidateQueries({ queryKey: marketKeys.subscriptions });
      setMessage(successMessage(sub.state === "trialing" ? "Your trial has started." : "Subscribed."));
      navigate(`/subscriptions/${sub.id}`);
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });
  return (
    <Stack gap="sm">
      {listing.subscription_id && (
        <Text data-testid="listing-subscribed">
          Your organization subscribes to this app.{" "}
          <Anchor component={Link} to={`/subscriptions/${listing.subscription_id}`}>
            Open the subscription
          </Anchor>
        </Text>
      )}
      <DataTable label="Plans" minWidth={720}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Plan</Table.Th>
            <Table.Th scope="col">Price</Table.Th>
            <Table.Th scope="col">Included shots</Table.Th>
            <Table.Th scope="col">Overage</Table.Th>
            {buyer && <Table.Th scope="col">Actions</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {listing.plans.map((p) => (
            <Table.Tr key={p.id} data-testid="plan-row" data-plan={p.name}>
              <Table.Td fw={600}>{p.name}</Table.Td>
              <Table.Td data-testid="plan-price">{planPrice(p)}</Table.Td>
              <Table.Td data-testid="plan-included">
                {formatNumber(p.included_shots)} per {p.period}
              </Table.Td>
              <Table.Td data-testid="plan-overage">{overagePrice(p)}</Table.Td>
              {buyer && (
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {listing.trial_days > 0 && (
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Start trial of ${p.name}`}
                        onClick={() => !act.isPending && act.mutate({ kind: "trial", plan: p })}
                      >
                        Start trial
                      </Button>
                    )}
                    <Button size="xs" aria-label={`Subscribe to ${p.name}`} onClick={() => !act.isPending && act.mutate({ kind: "subscribe", plan: p })}>
                      Subscribe
                    </Button>
                  </Group>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
      {buyer && listing.trial_days > 0 && (
        <Text size="sm" c="dimmed">
          A trial is free for {listing.trial_days} days, once per organization; it then becomes a paid subscription unless you cancel it.
        </Text>
      )}
      <FormMessage message={message} testId="listing-message" />
    </Stack>
  );
}

function Subscribers({ listing }: { listing: ListingView }) {
  const pager = useCursorPager();
  const subs = useSubscribers(listing.app_id, pager.cursor);
  if (subs.isPending) return <TableSkeleton label="Loading subscribers…" columns={4} />;
  if (subs.error) return <ErrorState error={subs.error} onRetry={() => void subs.refetch()} />;
  if (subs.data.items.length === 0) return <EmptyState>No subscribers yet.</EmptyState>;
  return (
    <>
      <DataTable label="Subscribers">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Organization</Table.Th>
            <Table.Th scope="col">Plan</Table.Th>
            <Table.Th scope="col">State</Table.Th>
            <Table.Th scope="col">Since</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {subs.data.items.map((s) => (
            <Table.Tr key={s.id} data-testid="subscriber-row">
              <Table.Td>{s.name}</Table.Td>
              <Table.Td>{s.plan.name}</Table.Td>
              <Table.Td>
                <Badge variant="dot" color={STATE_COLORS[s.state]} tt="none" data-testid="subscriber-state">
                  {STATE_LABELS[s.state]}
                </Badge>
              </Table.Td>
              <Table.Td>{formatDateTime(s.since)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </DataTable>
      <Pager pager={pager} nextCursor={subs.data.next_cursor} label="Subscribers" />
    </>
  );
}

function Settings({ listing }: { listing: ListingView }) {
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<FormMessageValue>(null);
  const saved = async (updated: ListingView) => {
    queryClient.setQueryData(marketKeys.listing(listing.id), updated);
    await queryClient.invalidateQueries({ queryKey: ["marketplace", "search"] });
  };
  const unlist = useMutation({
    mutationFn: () => unlistListing(listing.id),
    onMutate: () => setMessage(null),
    onSuccess: async (updated) => {
      await saved(updated);
      setMessage(successMessage("Unlisted: nobody new can subscribe; current subscriptions run to the end of their period."));
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });
  const relist = useMutation({
    mutationFn: () => updateListing(listing.id, { status: "listed" }),
    onMutate: () => setMessage(null),
    onSuccess: async (updated) => {
      await saved(updated);
      setMessage(successMessage("Listed again."));
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });
  return (
    <Stack gap="md">
      <ListingForm
        key={listing.updated_at}
        title="Change the terms"
        testId="listing-terms"
        initial={{ plans: listing.plans, trial_days: listing.trial_days, support_email: listing.support_email }}
        submitLabel="Save listing"
        busyLabel="Saving…"
        onSubmit={async (terms) => {
          await saved(await updateListing(listing.id, terms));
          return "Listing saved.";
        }}
      />
      <Panel title="Availability" testId="listing-availability">
        <Text size="sm">
          {listing.status === "listed"
            ? "Unlisting takes the app off the marketplace: nobody new can subscribe, and current subscriptions run to the end of their period, then expire."
            : "The listing is unlisted: nobody new can subscribe."}
        </Text>
        <Group>
          {listing.status === "listed" ? (
            <ConfirmButton label="Unlist" size="sm" confirmLabel="Confirm unlisting" busy={unlist.isPending} onConfirm={() => unlist.mutate()} />
          ) : (
            <Button size="sm" variant="default" onClick={() => !relist.isPending && relist.mutate()}>
              List again
            </Button>
          )}
        </Group>
        <FormMessage message={message} testId="listing-availability-message" />
      </Panel>
    </Stack>
  );
}

export function ListingPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const listing = useListing(id);
  const [params, setParams] = useSearchParams();
  const provider = Boolean(listing.data?.own && canSell(me));
  const wanted = params.get("tab") ?? "";
  const tab: ListingTab = provider && (TABS as readonly string[]).includes(wanted) ? (wanted as ListingTab) : "plans";
  const notFound = listing.error instanceof ApiError && listing.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : listing.data ? `${listing.data.app_name} · Marketplace${tab === "plans" ? "" : ` · ${TAB_LABELS[tab]}`}` : "Listing");
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/marketplace">
        ← Marketplace
      </Anchor>
      <QueryView query={listing} loadingLabel="Loading the listing…">
        {(l) => (
          <>
            <div>
              <Group gap="sm" align="center">
                <Title order={1} data-testid="listing-name">
                  {l.app_name}
                </Title>
                {l.status === "unlisted" && (
                  <Badge color="orange" variant="dot" tt="none" data-testid="listing-status">
                    Unlisted
                  </Badge>
                )}
              </Group>
              {l.description && <Text c="dimmed">{l.description}</Text>}
            </div>
            <Facts
              items={[
                { label: "Publisher", value: l.publisher_name, testId: "listing-publisher" },
                { label: "Trial", value: l.trial_days > 0 ? `${l.trial_days} days` : "No trial", testId: "listing-trial" },
                { label: "Subscribers", value: formatNumber(l.subscriber_count), testId: "listing-subscribers" },
                { label: "Rating", value: formatRating(l.rating, l.rating_count) },
                { label: "Support", value: <Anchor href={`mailto:${l.support_email}`}>{l.support_email}</Anchor> },
                l.tags.length > 0 && { label: "Tags", value: l.tags.join(", ") },
                l.own && { label: "App", value: <Anchor component={Link} to={`/apps/${l.app_id}`}>Open the app</Anchor> },
              ]}
            />
            {provider ? (
              <Tabs value={tab} onChange={(t) => setParams(t && t !== "plans" ? { tab: t } : {}, { replace: true })} keepMounted={false}>
                <Tabs.List aria-label="Listing sections" mb="md">
                  {TABS.map((t) => (
                    <Tabs.Tab key={t} value={t}>
                      {TAB_LABELS[t]}
                    </Tabs.Tab>
                  ))}
                </Tabs.List>
                <Tabs.Panel value="plans">
                  <Plans listing={l} />
                </Tabs.Panel>
                <Tabs.Panel value="subscribers">
                  <Subscribers listing={l} />
                </Tabs.Panel>
                <Tabs.Panel value="settings">
                  <Settings listing={l} />
                </Tabs.Panel>
              </Tabs>
            ) : (
              <Plans listing={l} />
            )}
          </>
        )}
      </QueryView>
    </Stack>
  );
}

export default ListingPage;
