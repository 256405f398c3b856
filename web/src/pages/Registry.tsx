// The registry: every organization's published apps. Search as you type
// (debounced, ranked and typo-tolerant on the server), filters and sort, all
// kept in the URL (lib/registrySearch.ts).
import { Anchor, Badge, Button, Group, Paper, SimpleGrid, Skeleton, Stack, Text, TextInput, Title, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { appTypeValues, sdkValues, useRegistrySearch, type AppType, type RegistryAppSummary, type RegistrySort, type Sdk } from "../api/apps";
import { SelectField } from "../components/Field";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorState } from "../components/States";
import { APP_TYPE_LABELS, formatRating, SDK_LABELS, sdkLabel } from "../lib/apps";
import { formatNumber } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { effectiveSort, registryQuery, SEARCH_DEBOUNCE_MS, useRegistryFilters } from "../lib/registrySearch";
import { usePageTitle } from "../lib/usePageTitle";

const SORT_LABELS: Record<RegistrySort, string> = {
  relevance: "Relevance",
  downloads: "Most downloaded",
  rating: "Best rated",
  recent: "Recently published",
};

function AppCard({ app }: { app: RegistryAppSummary }) {
  return (
    <Paper withBorder radius="md" p="md" component="li" data-testid={`registry-card-${app.slug}`} className="registry-card">
      <Stack gap={6}>
        <Group gap="xs" justify="space-between" align="flex-start" wrap="wrap">
          <Title order={2} size="h4">
            <Anchor component={Link} to={`/registry/${app.id}`}>
              {app.name}
            </Anchor>
          </Title>
          {app.deprecated && (
            <Badge variant="dot" color="orange" tt="none">
              Deprecated
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          by {app.publisher} · {APP_TYPE_LABELS[app.type]}
          {app.latest_version ? ` · ${app.latest_version}` : ""}
          {app.license ? ` · ${app.license}` : ""}
        </Text>
        {app.description && (
          <Text size="sm" lineClamp={3}>
            {app.description}
          </Text>
        )}
        <Text size="sm">
          {formatNumber(app.downloads)} download{app.downloads === 1 ? "" : "s"} · {formatRating(app.rating_average, app.rating_count)}
          {app.sdks.length > 0 ? ` · ${app.sdks.map(sdkLabel).join(", ")}` : ""}
        </Text>
        {app.tags.length > 0 && (
          <Group gap={6}>
            {app.tags.map((t) => (
              <Badge key={t} variant="outline" tt="none" color="gray" className="tag-badge">
                {t}
              </Badge>
            ))}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/** A filter text box that applies its value once typing pauses (and follows the URL on back/forward). */
function DebouncedInput({
  label,
  value,
  onValue,
  maxLength,
  placeholder,
}: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  maxLength: number;
  placeholder?: string;
}) {
  const [text, setText] = useState(value);
  const [debounced] = useDebouncedValue(text.trim(), SEARCH_DEBOUNCE_MS);
  const latest = useRef(onValue);
  latest.current = onValue;
  useEffect(() => setText((t) => (t.trim() === value ? t : value)), [value]);
  useEffect(() => {
    if (debounced !== value) latest.current(debounced);
    // Only typing (the debounced text) updates the URL, not a URL change.
  }, [debounced]);
  return <TextInput label={label} value={text} onChange={(e) => setText(e.currentTarget.value)} maxLength={maxLength} placeholder={placeholder} />;
}

function ResultsSkeleton() {
  return (
    <Stack gap="sm" role="status" aria-busy="true" data-testid="loading">
      <VisuallyHidden>Searching the registry…</VisuallyHidden>
      {[0, 1, 2].map((i) => (
        <Paper key={i} withBorder radius="md" p="md">
          <Skeleton height={16} width="40%" mb="xs" />
          <Skeleton height={12} width="90%" mb={6} />
          <Skeleton height={12} width="70%" />
        </Paper>
      ))}
    </Stack>
  );
}

export function RegistryPage() {
  usePageTitle("Registry");
  const { filters, text, setText, update, clear } = useRegistryFilters();
  const pager = useCursorPager();
  const { reset } = pager;
  const key = JSON.stringify(registryQuery(filters, undefined));
  useEffect(() => reset(), [key, reset]);
  const results = useRegistrySearch(registryQuery(filters, pager.cursor));
  const sort = effectiveSort(filters);
  const anyFilter = Boolean(filters.q || filters.type || filters.sdk || filters.tag || filters.license);

  let list;
  if (results.isPending) list = <ResultsSkeleton />;
  else if (results.error) list = <ErrorState error={results.error} onRetry={() => void results.refetch()} />;
  else if (results.data.items.length === 0)
    list = (
      <Paper withBorder radius="md" p="md" data-testid="registry-empty">
        <Stack gap="xs" align="flex-start">
          <EmptyState>{anyFilter ? "No app matches this search." : "The registry is empty so far."}</EmptyState>
          {anyFilter && (
            <Button variant="default" size="sm" onClick={clear}>
              Clear search and filters
            </Button>
          )}
        </Stack>
      </Paper>
    );
  else
    list = (
      <>
        <Stack component="ul" gap="sm" className="plain-list" aria-label="Registry apps" aria-busy={results.isPlaceholderData || undefined} data-testid="registry-results">
          {results.data.items.map((a) => (
            <AppCard key={a.id} app={a} />
          ))}
        </Stack>
        <Pager pager={pager} nextCursor={results.data.next_cursor} label="Registry" />
      </>
    );

  return (
    <>
      <Title order={1}>Registry</Title>
      <Text c="dimmed" mb="md">
        Quantum apps published by every organization on QHub. Download one to use it, then review it.
      </Text>
      <Stack component="section" aria-label="Search the registry" gap="sm">
        <Stack gap="sm" role="search" aria-label="Registry search">
          <TextInput
            type="search"
            label="Search apps"
            placeholder="Name, tag or description — typos are fine"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            maxLength={200}
            size="md"
          />
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
            <SelectField<AppType | "">
              label="Type"
              value={filters.type}
              onValue={(v) => update({ type: v })}
              options={[{ value: "", label: "Any type" }, ...appTypeValues.map((t) => ({ value: t, label: APP_TYPE_LABELS[t] }))]}
            />
            <SelectField<Sdk | "">
              label="SDK"
              value={filters.sdk}
              onValue={(v) => update({ sdk: v })}
              options={[{ value: "", label: "Any SDK" }, ...sdkValues.map((t) => ({ value: t, label: SDK_LABELS[t] }))]}
            />
            <DebouncedInput label="Tag" value={filters.tag} onValue={(tag) => update({ tag })} maxLength={32} />
            <DebouncedInput label="License" value={filters.license} onValue={(license) => update({ license })} maxLength={64} placeholder="MIT" />
            <SelectField<RegistrySort>
              label="Sort by"
              value={sort}
              onValue={(v) => update({ sort: v })}
              options={(["relevance", "downloads", "rating", "recent"] as const).map((s) => ({
                value: s,
                label: SORT_LABELS[s],
                disabled: s === "relevance" && !filters.q.trim(),
              }))}
            />
          </SimpleGrid>
        </Stack>
        {list}
      </Stack>
    </>
  );
}


export default RegistryPage;
