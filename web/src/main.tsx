import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { configureApi } from "./api/client";
import { initSession } from "./api/session";
import { loadConfig } from "./config";
import "./styles.css";

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
    root.render(
      <div className="public">
        <div className="card" role="alert">
          <h1>The console could not start</h1>
          <p>{err instanceof Error ? err.message : String(err)}</p>
          <p>Check that config.json is deployed next to index.html.</p>
        </div>
      </div>,
    );
  });
