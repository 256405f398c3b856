import { Anchor, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { usePageTitle } from "../lib/usePageTitle";

/** `withTitle={false}` when the shell already shows the "Page not found" heading. */
export function NotFound({ withTitle = true }: { withTitle?: boolean }) {
  usePageTitle("Page not found");
  return (
    <Stack gap="sm" component="section" data-testid="not-found" py="md">
      {withTitle && <Title order={1}>Page not found</Title>}
      <Text>There is nothing here, or it belongs to another organization.</Text>
      <Text>
        <Anchor component={Link} to="/">
          Go to the dashboard
        </Anchor>
      </Text>
    </Stack>
  );
}
