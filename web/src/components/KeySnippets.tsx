// "Make your first call": the new key in a curl command, a Python script
// (generated client) and a TypeScript module (openapi-fetch), each with a
// copy button. Shown only with the secret, which lives in the caller's state.
import { Code, Stack, Tabs, Text } from "@mantine/core";
import { useMemo } from "react";
import { apiBaseUrl } from "../api/client";
import type { Scope } from "../api/types";
import { snippetsFor } from "../lib/snippets";
import { CopyButton } from "./CopyButton";
import "./insights.css";

const TABS = [
  { value: "curl", label: "curl", copy: "Copy curl command" },
  { value: "python", label: "Python", copy: "Copy Python code" },
  { value: "typescript", label: "TypeScript", copy: "Copy TypeScript code" },
] as const;

export function KeySnippets({ secret, scopes, baseUrl }: { secret: string; scopes: readonly Scope[]; baseUrl?: string }) {
  const base = baseUrl ?? apiBaseUrl();
  const s = useMemo(() => snippetsFor(secret, scopes, base), [secret, scopes, base]);
  return (
    <Stack gap="xs" component="section" aria-labelledby="first-call-heading" data-testid="key-snippets">
      <Text fw={600} id="first-call-heading">
        Make your first call
      </Text>
      <Text size="sm">
        {s.call.scope ? (
          <>
            This calls <Code>GET {s.call.path}</Code> and returns {s.call.what} (the key’s <Code>{s.call.scope}</Code> scope allows it).
          </>
        ) : (
          <>
            None of this key’s scopes reads anything yet, so <Code>GET {s.call.path}</Code> answers 403 naming the missing scope — which still
            shows that the key works.
          </>
        )}{" "}
        The call appears on the dashboard’s usage chart within a minute.
      </Text>
      <Tabs defaultValue="curl" keepMounted>
        <Tabs.List aria-label="Snippet language">
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {TABS.map((t) => (
          <Tabs.Panel key={t.value} value={t.value} pt="sm">
            <Stack gap="xs">
              <Code block data-testid={`snippet-${t.value}`} className="snippet">
                {s[t.value]}
              </Code>
              <CopyButton text={s[t.value]} label={t.copy} />
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
