// The shell of the pages one uses without a session (login, signup, password
// reset, invitation, email verification, not found): a centred card in the
// page's one <main id="main">, after a "Skip to content" link, with the
// colour-scheme switch. It sets the document title from `title` unless
// `pageTitle` says otherwise (null: the page sets it itself).
import { Box, Container, Group, Paper, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { usePageTitle } from "../lib/usePageTitle";
import { ColorSchemeSwitch } from "./ColorSchemeSwitch";
import { MAIN_ID, SkipLink } from "./SkipLink";

export function PublicShell({ title, children, wide = false }: { title: string; children: ReactNode; wide?: boolean }) {
  usePageTitle(title);
  return (
    <>
      <SkipLink />
      <Box component="main" id={MAIN_ID} tabIndex={-1} className="public-main">
        <Container size={wide ? "md" : 480} px="md" py="xl">
          <Group justify="space-between" mb="xs" wrap="nowrap">
            <Text fw={700} c="dimmed">
              QHub console
            </Text>
            <ColorSchemeSwitch />
          </Group>
          <Paper withBorder shadow="xs" radius="md" p={{ base: "md", sm: "xl" }}>
            <Title order={1} size="h2" mb="md">
              {title}
            </Title>
            {children}
          </Paper>
        </Container>
      </Box>
    </>
  );
}
