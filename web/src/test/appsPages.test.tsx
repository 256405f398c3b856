// The apps pages against a fake API: the registry's search box sends one
// request once typing pauses (not one per keystroke), a review refused by
// the server (403 not_downloaded) says why on the form, publishing to the
// registry is offered only with registry:publish and shows the server's 409,
// and another organization's app is the not-found page.
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import { qk } from "../api/queries";
import type { MeResponse } from "../api/types";
import { AppDetailPage } from "../pages/AppDetail";
import { RegistryPage } from "../pages/Registry";
import { RegistryAppPage } from "../pages/RegistryApp";
import { renderUi } from "./render";
import { meAs } from "./sessions";

const NOW = "2026-11-30T12:00:00Z";
const APP_ID = "01a22d42-0000-7000-8000-000000000001";

type Handler = (req: Request, url: URL) => Response | Promise<Response>;
let handlers: Record<string, Handler> = {};
const requests: { method: string; path: string; query: URLSearchParams; body: string }[] = [];

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const problem = (status: number, code: string, detail: string) =>
  new Response(JSON.stringify({ type: "about:blank", title: code, status, code, detail }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

async function fakeApi(input: Request): Promise<Response> {
  const url = new URL(input.url);
  const body = input.method === "GET" ? "" : await input.clone().text();
  requests.push({ method: input.method, path: url.pathname, query: url.searchParams, body });
  const h = handlers[`${input.method} ${url.pathname}`];
  if (h) return h(input, url);
  if (input.method === "GET") return json(200, { items: [], next_cursor: null });
  return problem(404, "not_found", "Not found.");
}

function renderPage(element: ReactElement, { me, path, route }: { me: MeResponse; path: string; route: string }) {
  const queryClient = createQueryClient();
  queryClient.setQueryData(qk.me, me);
  return renderUi(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={element} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const summary = {
  id: APP_ID,
  name: "Teleportation Benchmark Suite",
  slug: "teleport-bench",
  publisher: "Qubit Labs",
  description: "Fidelity benchmarks.",
  type: "algorithm",
  license: "MIT",
  tags: ["teleportation"],
  sdks: ["qiskit"],
  latest_version: "1.0.0",
  downloads: 3,
  rating_average: null,
  rating_count: 0,
  deprecated: false,
  published_at: NOW,
};

const appView = {
  id: APP_ID,
  project_id: null,
  name: "Teleportation Benchmark Suite",
  slug: "teleport-bench",
  description: "",
  type: "algorithm",
  visibility: "private",
  license: null,
  documentation_url: null,
  repository_url: null,
  readme: "",
  tags: [],
  status: "draft",
  in_registry: false,
  registry_published_at: null,
  latest_version: null,
  downloads: 0,
  views: 0,
  rating_average: null,
  rating_count: 0,
  created_at: NOW,
  updated_at: NOW,
};

beforeEach(() => {
  handlers = {};
  requests.length = 0;
  vi.stubGlobal("fetch", vi.fn(fakeApi));
  configureApi("http://api.test");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("registry search", () => {
  it("asks the server once typing pauses, with the text from the box", async () => {
    handlers["GET /v1/registry"] = (_r, url) => json(200, { items: url.searchParams.get("q") ? [summary] : [], next_cursor: null });
    renderPage(<RegistryPage />, { me: meAs("viewer"), path: "/registry", route: "/registry" });
    await waitFor(() => expect(requests.filter((r) => r.path === "/v1/registry")).toHaveLength(1));
    const box = screen.getByLabelText("Search apps");
    for (const text of ["t", "te", "tel", "teleportaton"]) fireEvent.change(box, { target: { value: text } });
    expect(await screen.findByTestId("registry-card-teleport-bench")).toBeTruthy();
    const searches = requests.filter((r) => r.path === "/v1/registry");
    expect(searches.map((r) => r.query.get("q"))).toEqual([null, "teleportaton"]);
    expect(screen.getByText(/by Qubit Labs/)).toBeTruthy();
  });
});

describe("reviews", () => {
  it("shows the server's reason when a review is refused", async () => {
    handlers[`GET /v1/registry/${APP_ID}`] = () => json(200, { ...summary, readme: "", documentation_url: null, repository_url: null, versions: [], docs: [], views: 1 });
    handlers[`POST /v1/registry/${APP_ID}/reviews`] = () => problem(403, "not_downloaded", "Download the app before reviewing it.");
    renderPage(<RegistryAppPage />, { me: meAs("developer"), path: `/registry/${APP_ID}`, route: "/registry/:id" });
    await screen.findByTestId("review-form");
    fireEvent.change(screen.getByLabelText("Rating"), { target: { value: "4" } });
    fireEvent.change(screen.getByLabelText("Title"), { target: { value: "Nice" } });
    fireEvent.change(screen.getByLabelText("Review"), { target: { value: "Works." } });
    fireEvent.click(screen.getByRole("button", { name: "Post review" }));
    const msg = await screen.findByTestId("review-message");
    expect(msg.textContent).toBe("Download the app before reviewing it.");
    expect(JSON.parse(requests.find((r) => r.method === "POST")!.body)).toEqual({ rating: 4, title: "Nice", content: "Works." });
  });

  it("a viewer (no apps:write) gets no review form", async () => {
    handlers[`GET /v1/registry/${APP_ID}`] = () => json(200, { ...summary, readme: "", documentation_url: null, repository_url: null, versions: [], docs: [], views: 1 });
    renderPage(<RegistryAppPage />, { me: meAs("viewer"), path: `/registry/${APP_ID}`, route: "/registry/:id" });
    await screen.findByTestId("reviews");
    await screen.findByText("No reviews yet.");
    expect(screen.queryByTestId("review-form")).toBeNull();
  });
});

describe("publishing to the registry", () => {
  it("is offered with registry:publish and shows the server's 409", async () => {
    handlers[`GET /v1/apps/${APP_ID}`] = () => json(200, appView);
    handlers[`POST /v1/apps/${APP_ID}/publish-registry`] = () => problem(409, "conflict", "The app must be public, have a license and a published version.");
    renderPage(<AppDetailPage />, { me: meAs("owner"), path: `/apps/${APP_ID}`, route: "/apps/:id" });
    fireEvent.click(await screen.findByRole("button", { name: "Publish to registry" }));
    await waitFor(() => expect(screen.getByTestId("registry-message").textContent).toMatch(/must be public/));
  });

  it("is not offered to a developer (no registry:publish)", async () => {
    handlers[`GET /v1/apps/${APP_ID}`] = () => json(200, appView);
    renderPage(<AppDetailPage />, { me: meAs("developer"), path: `/apps/${APP_ID}`, route: "/apps/:id" });
    await screen.findByTestId("registry-actions");
    expect(screen.queryByRole("button", { name: "Publish to registry" })).toBeNull();
    expect(screen.getByRole("button", { name: "Delete app" })).toBeTruthy();
  });

  it("another organization's app is the not-found page", async () => {
    handlers[`GET /v1/apps/${APP_ID}`] = () => problem(404, "not_found", "Not found.");
    renderPage(<AppDetailPage />, { me: meAs("owner"), path: `/apps/${APP_ID}`, route: "/apps/:id" });
    expect(await screen.findByTestId("not-found")).toBeTruthy();
  });
});
