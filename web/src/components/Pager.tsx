import type { CursorPager } from "../lib/paging";

export function Pager({ pager, nextCursor, label }: { pager: CursorPager; nextCursor: string | null | undefined; label: string }) {
  if (!pager.hasPrevious && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={pager.previous} disabled={!pager.hasPrevious}>
        Previous
      </button>
      <span>Page {pager.pageNumber}</span>
      <button type="button" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>
        Next
      </button>
    </nav>
  );
}
