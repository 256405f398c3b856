// The OpenAPI document rendered by swagger-ui (bundled from npm; no CDN).
// The spec is ../openapi.yaml, imported as text at build time, so the page
// works offline and always matches the generated client.
import { Paper, Title } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { parse } from "yaml";
import specText from "../../../openapi.yaml?raw";
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";
import { apiBaseUrl } from "../api/client";
import { getAccessToken } from "../api/tokenStore";
import { authorizeApiRequest, type InterceptedRequest } from "../lib/apiOrigin";
import { CONSOLE_LAYOUT, consoleLayoutPlugin } from "../lib/swaggerLayout";
import { usePageTitle } from "../lib/usePageTitle";
import { ErrorState } from "../components/States";

export function ReferencePage() {
  usePageTitle("API reference");
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(null);

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
        // The console's token goes only to the console's API: "Try it out"
        // with an edited server URL must not hand it to another origin.
        requestInterceptor: (req: InterceptedRequest) =>
          authorizeApiRequest(req, getAccessToken(), apiBaseUrl(), window.location.href),
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
      {error ? <ErrorState error={error} /> : null}
      <Paper withBorder radius="md" ref={el} data-testid="api-reference" className="reference" />
    </>
  );
}

export default ReferencePage;
