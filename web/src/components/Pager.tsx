import { Button, Group, Text } from "@mantine/core";
import type { CursorPager } from "../lib/paging";

export function Pager({ pager, nextCursor, label }: { pager: CursorPager; nextCursor: string | null | undefined; label: string }) {
  if (!pager.hasPrevious && !nextCursor) return null;
  return (
    <Group component="nav" aria-label={`${label} pages`} gap="sm" my="sm">
      <Button variant="default" size="xs" onClick={pager.previous} disabled={!pager.hasPrevious}>
        Previous
      </Button>
      <Text size="sm">Page {pager.pageNumber}</Text>
      <Button variant="default" size="xs" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>
        Next
      </Button>
    </Group>
  );
}
