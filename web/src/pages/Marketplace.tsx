// The marketplace: other organizations' apps for sale, as cards with the
// cheapest price and the plans. Search as you type (debounced) and sort,
// kept in the URL (?q=, ?sort=).
import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { marketplaceSortValues, useMarketplaceSearch, type ListingView, type MarketplaceSort } from "../api/marketplace";
import { SelectField } from "../components/Field";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState, Loading } from "../components/States";
import { formatRating } from "../lib/apps";
import { formatNumber } from "../lib/format";
import { planPrice } from "../lib/marketplace";
import { formatMoney } from "../lib/money";
import { useCursorPager } from "../lib/paging";
import { usePageTitle } from "../lib/usePageTitle";

const SORT_LABELS: Record<MarketplaceSort, string> = {
  newest: "Newest",
  price: "Lowest price",
  rating: "Best rated",
  subscribers: "Most subscribers",
};

function ListingCard({ listing }: { listing: ListingView }) {
  const currency = listing.plans[0]?.currency ?? "USD";
  return (
    <Paper withBorder radius="md" p="md" component="li" data-testid={`listing-card-${listing.app_slug}`} className="registry-card">
      <Stack gap={6}>
        <Group gap="xs" justify="space-between" align="flex-start" wrap="wrap">
          <Title order={2} size="h4">
            <Anchor component={Link} to={`/marketplace/${listing.id}`}>
              {listing.app_name}
            </Anchor>
          </Title>
          <Group gap={6}>
            {listing.own && (
              <Badge variant="dot" tt="none">
                Yours
              </Badge>
            )}
            {listing.subscription_id && (
              <Badge variant="dot" color="green" tt="none">
                Subscribed
              </Badge>
            )}
            {listing.trial_days > 0 && (
              <Badge variant="outline" color="gray" tt="none">
                {listing.trial_days}-day trial
              </Badge>
            )}
          </Group>
        </Group>
        <Text size="sm" c="dimmed">
          by {listing.publisher_name} · {formatNumber(listing.subscriber_count)} subscriber{listing.subscriber_count === 1 ? "" : "s"} ·{" "}
          {formatRating(listing.rating, listing.rating_count)}
        </Text>
        {listing.description && (
          <Text size="sm" lineClamp={3}>
            {listing.description}
          </Text>
        )}
        <Text size="sm" fw={600} data-testid="listing-min-price">
          From {formatMoney(listing.min_price, currency)}
        </Text>
        <Group gap={6} component="ul" className="plain-list" aria-label="Plans">
          {listing.plans.map((p) => (
            <Badge key={p.id} component="li" variant="outline" tt="none" color="gray" className="tag-badge">
              {p.name}: {planPrice(p)}
            </Badge>
          ))}
        </Group>
      </Stack>
    </Paper>
  );
}

export function MarketplacePage() {
  usePageTitle("Marketplace");
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const sortParam = params.get("sort") ?? "";
  const sort: MarketplaceSort = (marketplaceSortValues as readonly string[]).includes(sortParam) ? (sortParam as MarketplaceSort) : "newest";
  const [text, setText] = useState(q);
  const [debounced] = useDebouncedValue(text.trim(), 300);
  const pager = useCursorPager();
  const { reset } = pager;

  useEffect(() => setText((t) => (t.trim() === q ? t : q)), [q]);
  useEffect(() => {
    if (debounced === q) return;
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (debounced) n.set("q", debounced);
        else n.delete("q");
        return n;
      },
      { replace: true },
    );
    // Only typing changes the URL here.
  }, [debounced]);
  useEffect(() => reset(), [q, sort, reset]);

  const results = useMarketplaceSearch({ q: q || undefined, sort, limit: 24, cursor: pager.cursor });

  let list;
  if (results.isPending) list = <Loading label="Searching the marketplace…" />;
  else if (results.error) list = <ErrorState error={results.error} onRetry={() => void results.refetch()} />;
  else if (results.data.items.length === 0)
    list = (
      <Paper withBorder radius="md" p="md" data-testid="marketplace-empty">
        <EmptyState>{q ? "No listing matches this search." : "Nothing is for sale yet."}</EmptyState>
      </Paper>
    );
  else
    list = (
      <>
        <SimpleGrid
          cols={{ base: 1, md: 2 }}
          spacing="sm"
          component="ul"
          className="plain-list"
          aria-label="Listings"
          aria-busy={results.isPlaceholderData || undefined}
          data-testid="marketplace-results"
        >
          {results.data.items.map((l) => (
            <ListingCard key={l.id} listing={l} />
          ))}
        </SimpleGrid>
        <Pager pager={pager} nextCursor={results.data.next_cursor} label="Marketplace" />
      </>
    );

  return (
    <>
      <Title order={1}>Marketplace</Title>
      <Text c="dimmed" mb="md">
        Quantum apps other organizations sell by subscription. Try one, subscribe, and run it with a subscription key.
      </Text>
      <Stack component="section" aria-label="Search the marketplace" gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" role="search" aria-label="Marketplace search">
          <TextInput
            type="search"
            label="Search listings"
            placeholder="Name, tag or description"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            maxLength={200}
          />
          <SelectField<MarketplaceSort>
            label="Sort by"
            value={sort}
            onValue={(v) =>
              setParams(
                (p) => {
                  const n = new URLSearchParams(p);
                  if (v === "newest") n.delete("sort");
                  else n.set("sort", v);
                  return n;
                },
                { replace: true },
              )
            }
            options={marketplaceSortValues.map((s) => ({ value: s, label: SORT_LABELS[s] }))}
          />
        </SimpleGrid>
        {list}
      </Stack>
    </>
  );
}

export default MarketplacePage;
