// The OpenAPI document rendered by swagger-ui (bundled from npm; no CDN).
// The spec is ../openapi.yaml, imported as text at build time, so the page
// works offline and always matches the generated client.
import { Anchor, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { parse } from "yaml";
import specText from "../../../openapi.yaml?raw";
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";
import { apiBaseUrl } from "../api/client";
import type { InterceptedRequest } from "../lib/apiOrigin";
import { apiKeyInterceptor, getTryItOutKey, setTryItOutKey } from "../lib/tryItOut";
import { CONSOLE_LAYOUT, consoleLayoutPlugin } from "../lib/swaggerLayout";
import { usePageTitle } from "../lib/usePageTitle";
import { ErrorState } from "../components/States";

export function ReferencePage() {
  usePageTitle("API reference");
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [key, setKey] = useState(getTryItOutKey);
  // The key lives only while the reference is open: leaving the page (or
  // logging out, or another account taking over the tab, which both leave
  // it) forgets it, so the next person at this tab never finds it filled in.
  useEffect(() => () => setTryItOutKey(""), []);

  useEffect(() => {
    if (!el.current) return;
    try {
      const spec = parse(specText) as Record<string, unknown>;
      // "Try it out" goes to the API this console talks to.
      spec.servers = [{ url: apiBaseUrl(), description: "This console's API" }];
      SwaggerUI({
        domNode: el.current,
        spec,
        validatorUrl: null,
        deepLinking: false,
        tryItOutEnabled: false,
        // No second <main> inside the console's (see lib/swaggerLayout.ts).
        plugins: [consoleLayoutPlugin],
        layout: CONSOLE_LAYOUT,
        // "Try it out" acts with the API key pasted above, never with the
        // console's session (lib/tryItOut.ts), and only towards this API.
        requestInterceptor: (req: InterceptedRequest) => apiKeyInterceptor(req, getTryItOutKey(), apiBaseUrl(), window.location.href),
      });
    } catch (err) {
      setError(err);
    }
  }, []);

  return (
    <>
      <Title order={1} mb="md">
        API reference
      </Title>
      <Paper withBorder radius="md" p="md" mb="md">
        <Stack gap="xs">
          <PasswordInput
            label="API key for Try it out"
            description="Requests from “Try it out” are sent with this key (X-API-Key), with its scopes — not with your console session. It is kept in this page’s memory only: never stored, forgotten when you leave the page or reload."
            placeholder="qh_live_…"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => {
              setKey(e.currentTarget.value);
              setTryItOutKey(e.currentTarget.value);
            }}
            style={{ maxWidth: "40rem" }}
          />
          <Text size="sm" c="dimmed">
            No key yet?{" "}
            <Anchor component={Link} to="/api-keys#create" inherit>
              Create one
            </Anchor>{" "}
            with the scopes of the operations you want to try. Operations without scopes (your profile, sessions, keys) need a user
            session and answer an API key with 403.
          </Text>
        </Stack>
      </Paper>
      {error ? <ErrorState error={error} /> : null}
      <Paper withBorder radius="md" ref={el} data-testid="api-reference" className="reference" />
    </>
  );
}

export default ReferencePage;
