// The registry's search state lives in the URL (?q=…&type=…&sort=…), so a
// search can be shared, reloaded and walked with back/forward. The text box
// is debounced: the URL (and so the server query) follows it once typing
// pauses, replacing the history entry instead of adding one per keystroke.
import { useDebouncedValue } from "@mantine/hooks";
import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { appTypeValues, registrySortValues, sdkValues, type AppType, type RegistryQuery, type RegistrySort, type Sdk } from "../api/apps";
import { PAGE_SIZE } from "../api/queries";

export const SEARCH_DEBOUNCE_MS = 300;
export const REGISTRY_SEARCH_MAX = 200;

export interface RegistryFilters {
  q: string;
  type: AppType | "";
  sdk: Sdk | "";
  tag: string;
  license: string;
  /** "" = the server's default (relevance with a search, recent without). */
  sort: RegistrySort | "";
}

export const EMPTY_FILTERS: RegistryFilters = { q: "", type: "", sdk: "", tag: "", license: "", sort: "" };

const oneOf = <T extends string>(v: string | null, allowed: readonly T[]): T | "" => (v && (allowed as readonly string[]).includes(v) ? (v as T) : "");

/** URL search params → filters (unknown values are dropped). */
export function filtersFromParams(p: URLSearchParams): RegistryFilters {
  return {
    q: (p.get("q") ?? "").slice(0, REGISTRY_SEARCH_MAX),
    type: oneOf(p.get("type"), appTypeValues),
    sdk: oneOf(p.get("sdk"), sdkValues),
    tag: (p.get("tag") ?? "").trim().toLowerCase(),
    license: (p.get("license") ?? "").trim(),
    sort: oneOf(p.get("sort"), registrySortValues),
  };
}

/** Filters → URL search params (empty ones left out, in a fixed order). */
export function paramsFromFilters(f: RegistryFilters): URLSearchParams {
  const p = new URLSearchParams();
  const q = f.q.trim();
  if (q) p.set("q", q);
  if (f.type) p.set("type", f.type);
  if (f.sdk) p.set("sdk", f.sdk);
  if (f.tag.trim()) p.set("tag", f.tag.trim().toLowerCase());
  if (f.license.trim()) p.set("license", f.license.trim());
  if (f.sort) p.set("sort", f.sort);
  return p;
}

/** Filters → GET /v1/registry query. "Relevance" without search text means the default. */
export function registryQuery(f: RegistryFilters, cursor: string | undefined): RegistryQuery {
  const query: RegistryQuery = { limit: PAGE_SIZE };
  if (cursor) query.cursor = cursor;
  const q = f.q.trim();
  if (q) query.q = q;
  if (f.type) query.type = f.type;
  if (f.sdk) query.sdk = f.sdk;
  if (f.tag.trim()) query.tag = f.tag.trim().toLowerCase();
  if (f.license.trim()) query.license = f.license.trim();
  if (f.sort && !(f.sort === "relevance" && !q)) query.sort = f.sort;
  return query;
}

/** The sort the server applies for these filters. */
export function effectiveSort(f: Pick<RegistryFilters, "q" | "sort">): RegistrySort {
  if (f.sort && !(f.sort === "relevance" && !f.q.trim())) return f.sort;
  return f.q.trim() ? "relevance" : "recent";
}

/**
 * The registry page's filters, from and to the URL. `text` is what the
 * search box shows (updated at once); `filters.q` follows it after
 * SEARCH_DEBOUNCE_MS. Other filters apply at once.
 */
export function useRegistryFilters(debounceMs = SEARCH_DEBOUNCE_MS) {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const [text, setText] = useState(filters.q);
  const [debounced] = useDebouncedValue(text, debounceMs);

  // Back/forward (or a link) changed the URL's q: show it in the box.
  useEffect(() => {
    setText((t) => (t.trim() === filters.q.trim() ? t : filters.q));
  }, [filters.q]);

  useEffect(() => {
    const q = debounced.trim().slice(0, REGISTRY_SEARCH_MAX);
    setParams(
      (prev) => {
        const cur = filtersFromParams(prev);
        if (cur.q === q) return prev;
        return paramsFromFilters({ ...cur, q });
      },
      { replace: true },
    );
  }, [debounced, setParams]);

  const update = useCallback(
    (patch: Partial<Omit<RegistryFilters, "q">>) => setParams((prev) => paramsFromFilters({ ...filtersFromParams(prev), ...patch })),
    [setParams],
  );
  const clear = useCallback(() => {
    setText("");
    setParams(new URLSearchParams());
  }, [setParams]);

  return { filters, text, setText, update, clear };
}
