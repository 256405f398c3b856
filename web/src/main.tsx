import "@mantine/core/styles.css";
import "./styles.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Alert, Container, Title, Text } from "@mantine/core";
import { App, UiProvider } from "./App";
import { configureApi } from "./api/client";
import { initSession } from "./api/session";
import { loadConfig } from "./config";
import { applyStoredColorScheme } from "./theme";

// Mantine's <ColorSchemeScript> is an inline script, which the CSP forbids
// (script-src 'self'): set the colour scheme from the bundle before anything
// renders instead, so a dark-mode user sees no light flash.
applyStoredColorScheme();

const root = createRoot(document.getElementById("root") as HTMLElement);

loadConfig()
  .then((config) => {
    configureApi(config.apiUrl);
    initSession();
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  })
  .catch((err: unknown) => {
    document.title = "The console could not start · QHub console";
    root.render(
      <UiProvider>
        <Container component="main" id="main" size={480} py="xl">
          <Alert color="red" variant="light" role="alert">
            <Title order={1} size="h3" mb="xs">
              The console could not start
            </Title>
            <Text size="sm">{err instanceof Error ? err.message : String(err)}</Text>
            <Text size="sm">Check that config.json is deployed next to index.html.</Text>
          </Alert>
        </Container>
      </UiProvider>,
    );
  });
