// Cursor pagination: a stack of the cursors that led to the current page,
// so "Previous" can go back (the API's cursors only go forward).
import { useCallback, useState } from "react";

export interface CursorPager {
  cursor: string | undefined;
  pageNumber: number;
  hasPrevious: boolean;
  next: (nextCursor: string) => void;
  previous: () => void;
  reset: () => void;
}

export function pushCursor(stack: readonly (string | undefined)[], next: string): (string | undefined)[] {
  return [...stack, next];
}

export function popCursor(stack: readonly (string | undefined)[]): (string | undefined)[] {
  return stack.length > 1 ? stack.slice(0, -1) : [undefined];
}

export function useCursorPager(): CursorPager {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const next = useCallback((c: string) => setStack((s) => pushCursor(s, c)), []);
  const previous = useCallback(() => setStack((s) => popCursor(s)), []);
  const reset = useCallback(() => setStack([undefined]), []);
  return {
    cursor: stack[stack.length - 1],
    pageNumber: stack.length,
    hasPrevious: stack.length > 1,
    next,
    previous,
    reset,
  };
}

/**
 * Counts every item of a paginated list, following `next_cursor`, up to
 * `maxPages` pages. `capped` is true when there were more.
 */
export async function countAll(
  fetchPage: (cursor: string | undefined) => Promise<{ items: readonly unknown[]; next_cursor?: string | null }>,
  maxPages = 10,
): Promise<{ count: number; capped: boolean }> {
  let count = 0;
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await fetchPage(cursor);
    count += res.items.length;
    if (!res.next_cursor) return { count, capped: false };
    cursor = res.next_cursor;
  }
  return { count, capped: true };
}
