// Quantum jobs in the console: the histogram, the OpenQASM editor's
// highlighting and its display of a program error (line and column from a
// 422), the submit form against a fake API, the job page (counts once
// completed, polling while active, not-found for another organization's
// job) and what each role's scopes show.
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState, type ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../App";
import { configureApi } from "../api/client";
import type { BackendView, JobView } from "../api/jobs";
import { apiErrorFrom } from "../api/problem";
import { qk } from "../api/queries";
import type { MeResponse, Scope } from "../api/types";
import { AuthContext, type AuthContextValue } from "../auth/AuthContext";
import { Histogram } from "../components/Histogram";
import { Layout } from "../components/Layout";
import { offsetOf, QasmEditor } from "../components/QasmEditor";
import {
  compareOutcomes,
  errorLocation,
  formatMicros,
  formatSeconds,
  formatWait,
  histogramBars,
  SAMPLES,
  tokenizeLine,
  tokenizeQasm,
  validateJobForm,
  type JobFormValues,
} from "../lib/jobs";
import { BackendsPage } from "../pages/Backends";
import { JobDetailPage } from "../pages/JobDetail";
import { JobsPage, submitBody } from "../pages/Jobs";
import { renderUi } from "./render";
import { meAs } from "./sessions";

// Pages load lazily and chain requests: give them time on a busy machine.
configure({ asyncUtilTimeout: 5000 });

const NOW = "2026-11-30T12:00:00Z";
const JOB_ID = "019ad5a0-0000-7000-8000-000000000001";

// --- pure helpers ------------------------------------------------------------------

describe("the histogram's bars", () => {
  it("orders outcomes by their bits and gives shares of the shots", () => {
    const { bars, hidden, total } = histogramBars({ "11": 514, "00": 510 }, 1024);
    expect(bars.map((b) => b.outcome)).toEqual(["00", "11"]);
    expect(bars[0]!.share).toBeCloseTo(510 / 1024);
    expect(bars[1]!.scale).toBe(1);
    expect(bars[0]!.scale).toBeCloseTo(510 / 514);
    expect(hidden).toBe(0);
    expect(total).toBe(1024);
  });

  it("keeps the most frequent outcomes past the limit and counts the rest", () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 8; i++) counts[i.toString(2).padStart(3, "0")] = i + 1;
    const { bars, hidden, hiddenCount } = histogramBars(counts, undefined, 3);
    expect(bars.map((b) => b.outcome)).toEqual(["101", "110", "111"]);
    expect(hidden).toBe(5);
    expect(hiddenCount).toBe(1 + 2 + 3 + 4 + 5);
  });

  it("compares bit strings by value, register separators ignored", () => {
    expect(["10", "01", "11", "00"].sort(compareOutcomes)).toEqual(["00", "01", "10", "11"]);
    expect(compareOutcomes("1 00", "0 11")).toBeGreaterThan(0);
    expect(compareOutcomes("0", "00")).toBeLessThan(0);
  });
});

describe("the Histogram component", () => {
  afterEach(cleanup);

  it("renders one row per outcome with its count and share", () => {
    renderUi(<Histogram counts={{ "11": 514, "00": 510 }} shots={1024} />);
    const rows = screen.getAllByTestId("histogram-bar");
    expect(rows.map((r) => r.getAttribute("data-outcome"))).toEqual(["00", "11"]);
    expect(rows.map((r) => r.getAttribute("data-count"))).toEqual(["510", "514"]);
    expect(within(rows[0]!).getByTestId("histogram-share").textContent).toBe("49.8%");
    expect(within(rows[1]!).getByTestId("histogram-share").textContent).toBe("50.2%");
    expect(screen.getByRole("table", { name: "Measurement counts" })).toBeTruthy();
    expect(screen.getByText(/2 outcomes over 1,024 shots/)).toBeTruthy();
    // The longest bar fills its track; the other is in proportion.
    const fills = document.querySelectorAll<HTMLElement>(".histogram-fill");
    expect(parseFloat(fills[1]!.style.width)).toBe(100);
    expect(parseFloat(fills[0]!.style.width)).toBeCloseTo((510 / 514) * 100, 1);
  });

  it("says so when there is nothing to show", () => {
    renderUi(<Histogram counts={{}} shots={0} />);
    expect(screen.getByTestId("histogram-empty")).toBeTruthy();
  });

  it("says how many outcomes it leaves out", () => {
    renderUi(<Histogram counts={{ "00": 5, "01": 1, "10": 1, "11": 9 }} max={2} />);
    expect(screen.getAllByTestId("histogram-bar")).toHaveLength(2);
    expect(screen.getByText(/the 2 least frequent \(2 shots\) are not shown/)).toBeTruthy();
  });
});

describe("OpenQASM highlighting", () => {
  it("splits a line into tokens that concatenate back to it", () => {
    const line = 'cx q[0],q[1]; // entangle "x"';
    const tokens = tokenizeLine(line);
    expect(tokens.map((t) => t.text).join("")).toBe(line);
    expect(tokens.find((t) => t.text === "cx")?.kind).toBe("gate");
    expect(tokens.find((t) => t.text === "0")?.kind).toBe("number");
    expect(tokens.at(-1)).toEqual({ kind: "comment", text: '// entangle "x"' });
  });

  it("knows keywords, strings and arrows", () => {
    const tokens = tokenizeLine('include "qelib1.inc"; measure q -> c;');
    expect(tokens.filter((t) => t.kind === "keyword").map((t) => t.text)).toEqual(["include", "measure"]);
    expect(tokens.find((t) => t.kind === "string")?.text).toBe('"qelib1.inc"');
    expect(tokens.find((t) => t.text === "->")?.kind).toBe("operator");
  });

  it("keeps every line of every sample", () => {
    for (const s of SAMPLES) {
      const lines = tokenizeQasm(s.program);
      expect(lines.map((l) => l.map((t) => t.text).join("")).join("\n")).toBe(s.program);
    }
  });

  it("clamps an error location to the text", () => {
    expect(errorLocation("a\nbc", 2, 9)).toEqual({ line: 2, column: 3 });
    expect(errorLocation("a\nbc", 7, 1)).toEqual({ line: 2, column: 1 });
    expect(errorLocation("a", null, 1)).toBeNull();
    expect(offsetOf("ab\ncd\nef", 3, 2)).toBe(7);
  });
});

describe("the QASM editor's error display", () => {
  afterEach(cleanup);
  const PROGRAM = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2]\nh q[0];\n';

  function Editor({ error, line, column }: { error?: string; line?: number; column?: number }) {
    const [value, setValue] = useState(PROGRAM);
    return <QasmEditor label="Program" name="program" value={value} onValue={setValue} error={error} errorLine={line} errorColumn={column} />;
  }

  it("marks the line and column the server named, in the gutter and the code", () => {
    renderUi(<Editor error="line 3, column 10: expected ';'" line={3} column={10} />);
    const area = screen.getByLabelText("Program") as HTMLTextAreaElement;
    expect(area.getAttribute("aria-invalid")).toBe("true");
    const message = screen.getByTestId("program-error");
    expect(message.textContent).toBe("line 3, column 10: expected ';'");
    expect(area.getAttribute("aria-describedby")).toContain(message.id);
    const marked = screen.getByTestId("qasm-error-line");
    expect(marked.textContent).toBe("qreg q[2] ");
    expect(marked.querySelector("mark")?.textContent).toBe(" ");
    const gutter = document.querySelector(".qasm-gutter-error");
    expect(gutter?.textContent).toBe("3");
    // The caret goes to the place at once, and again from the button.
    expect(area.selectionStart).toBe(offsetOf(PROGRAM, 3, 10));
    area.setSelectionRange(0, 0);
    fireEvent.click(screen.getByRole("button", { name: "Go to line 3" }));
    expect(area.selectionStart).toBe(offsetOf(PROGRAM, 3, 10));
    expect(document.activeElement).toBe(area);
  });

  it("marks nothing without an error, and highlights the code", () => {
    renderUi(<Editor />);
    expect(screen.queryByTestId("qasm-error-line")).toBeNull();
    expect(screen.queryByTestId("program-error")).toBeNull();
    expect(document.querySelector(".qasm-gutter-error")).toBeNull();
    expect(document.querySelectorAll(".qasm-gutter-line")).toHaveLength(5);
    expect([...document.querySelectorAll(".qasm-keyword")].map((e) => e.textContent)).toEqual(["OPENQASM", "include", "qreg"]);
    expect([...document.querySelectorAll(".qasm-gate")].map((e) => e.textContent)).toEqual(["h"]);
  });

  it("shows a message without a location as a plain field error", () => {
    renderUi(<Editor error="Write a program or choose a sample." />);
    expect(screen.getByTestId("program-error").textContent).toBe("Write a program or choose a sample.");
    expect(screen.queryByRole("button", { name: /Go to line/ })).toBeNull();
    expect(screen.queryByTestId("qasm-error-line")).toBeNull();
  });
});

describe("problem documents with a place in the program", () => {
  it("carry line and column into the ApiError", () => {
    const headers = new Headers();
    const err = apiErrorFrom(
      { status: 422, headers },
      { type: "x", title: "x", status: 422, code: "program_invalid", detail: "program: line 2, column 5: bad", line: 2, column: 5, errors: [{ field: "program", message: "line 2, column 5: bad" }] },
    );
    expect([err.code, err.line, err.column, err.fieldErrors.program]).toEqual(["program_invalid", 2, 5, "line 2, column 5: bad"]);
    const plain = apiErrorFrom({ status: 409, headers }, { type: "x", title: "x", status: 409, code: "backend_unavailable", detail: "offline" });
    expect([plain.line, plain.column]).toEqual([null, null]);
  });
});

describe("money, times and the submit form's checks", () => {
  it("formats prices in millionths of a dollar", () => {
    expect(formatMicros(0)).toBe("Free");
    expect(formatMicros(30_000)).toBe("$0.03");
    expect(formatMicros(300)).toBe("$0.0003");
    expect(formatMicros(1_080_000)).toBe("$1.08");
  });

  it("formats durations and waits", () => {
    expect(formatSeconds(2.5)).toBe("2.5 s");
    expect(formatSeconds(125)).toBe("2 min 05 s");
    expect(formatSeconds(7380)).toBe("2 h 03 min");
    expect(formatWait(null)).toBe("unknown (no worker)");
    expect(formatWait(0)).toBe("none");
    expect(formatWait(12)).toBe("~12 s");
  });

  const ok: JobFormValues = { backend: "qhub-statevector", program: SAMPLES[0]!.program, shots: "1024", seed: "", name: "", tags: "" };
  it("accepts a sample as it is and builds the request body", () => {
    expect(validateJobForm(ok)).toEqual({});
    expect(submitBody({ ...ok, seed: "42", name: " Bell ", tags: "Bell, demo bell" })).toEqual({
      backend: "qhub-statevector",
      program: ok.program,
      shots: 1024,
      seed: 42,
      name: "Bell",
      tags: ["bell", "demo"],
    });
    expect(submitBody({ ...ok, shots: "" })).not.toHaveProperty("shots");
  });

  it("refuses what the server would refuse", () => {
    expect(validateJobForm({ ...ok, program: "  " }).program).toBeTruthy();
    expect(validateJobForm({ ...ok, shots: "0" }).shots).toBeTruthy();
    expect(validateJobForm({ ...ok, shots: "2.5" }).shots).toBeTruthy();
    expect(validateJobForm({ ...ok, shots: "20000" }, { name: "small", status: "online", max_shots: 10_000 }).shots).toMatch(/10,000/);
    expect(validateJobForm({ ...ok, seed: "-1" }).seed).toBeTruthy();
    expect(validateJobForm({ ...ok, seed: "9007199254740992" }).seed).toBeTruthy();
    expect(validateJobForm({ ...ok, tags: "Not_A_Tag" }).tags).toBeTruthy();
    expect(validateJobForm(ok, { name: "ionq-aria-25", status: "offline", max_shots: 10_000 }).backend).toMatch(/offline/);
  });
});

// --- pages against a fake API ------------------------------------------------------------

type Handler = (req: Request, url: URL) => Response | Promise<Response>;
let handlers: Record<string, Handler> = {};
const requests: { method: string; path: string; query: URLSearchParams; body: string; headers: Headers }[] = [];

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new Response(JSON.stringify({ type: "about:blank", title: code, status, code, detail, ...extra }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

async function fakeApi(input: Request): Promise<Response> {
  const url = new URL(input.url);
  const body = input.method === "GET" ? "" : await input.clone().text();
  requests.push({ method: input.method, path: url.pathname, query: url.searchParams, body, headers: input.headers });
  const h = handlers[`${input.method} ${url.pathname}`];
  if (h) return h(input, url);
  if (input.method === "GET") return json(200, { items: [], next_cursor: null });
  return problem(404, "not_found", "Not found.");
}

const backend = (over: Partial<BackendView>): BackendView => ({
  id: "00000000-0000-7000-8000-000000000001",
  name: "qhub-statevector",
  provider: "QHub",
  kind: "simulator",
  technology: "statevector simulation",
  platform: "QHub",
  status: "online",
  qubits: 26,
  basis_gates: ["h", "cx", "measure"],
  connectivity: { topology: "all-to-all", coupling_map: null },
  max_shots: 100_000,
  max_circuits: 1,
  price_per_second_micros: 0,
  price_per_shot_micros: 0,
  cost_per_hour_micros: 0,
  average_queue_seconds: 0,
  description: "QHub's own simulator.",
  queue: { queued: 2, running: 1, estimated_wait_seconds: 12 },
  ...over,
});

const BACKENDS = [
  backend({}),
  backend({ id: "00000000-0000-7000-8000-000000000003", name: "ionq-aria-25", kind: "qpu", status: "offline", price_per_shot_micros: 30_000, queue: { queued: 0, running: 0, estimated_wait_seconds: null } }),
  backend({ id: "00000000-0000-7000-8000-000000000005", name: "quera-aquila-256", kind: "qpu", status: "retired", queue: { queued: 0, running: 0, estimated_wait_seconds: null } }),
];

const job = (over: Partial<JobView> = {}): JobView => ({
  id: JOB_ID,
  name: "Bell test",
  tags: ["bell"],
  backend_id: BACKENDS[0]!.id,
  backend: "qhub-statevector",
  status: "completed",
  reason: null,
  message: null,
  app_version_id: null,
  parameters: null,
  shots: 1024,
  seed: 7,
  max_execution_seconds: 600,
  statevector: false,
  qubits: 2,
  clbits: 2,
  depth: 3,
  gate_count: 4,
  attempts: 1,
  created_at: NOW,
  started_at: NOW,
  finished_at: NOW,
  cancelled_at: null,
  queue: null,
  usage: { shots: 1024, qubits: 2, queued_ms: 12, run_ms: 40, cpu_ms: 35, peak_memory_bytes: 4096 },
  program: SAMPLES[0]!.program,
  ...over,
});

const QUOTAS = {
  qubits: { limit: 26, used: 0 },
  shots_per_job: { limit: 100_000, used: 0 },
  queued_jobs: { limit: 20, used: 1 },
  running_jobs: { limit: 2, used: 0 },
  simulator_seconds_per_month: { limit: 36_000, used: 12 },
};

const auth: AuthContextValue = {
  status: "authenticated",
  notice: null,
  dismissNotice: () => undefined,
  retryingIn: null,
  signIn: () => undefined,
  signOut: async () => undefined,
  signOutLocally: () => undefined,
};

function renderAt(me: MeResponse, path: string, extra: ReactElement | null = null) {
  const queryClient = createQueryClient();
  queryClient.setQueryData(qk.me, me);
  return renderUi(
    <QueryClientProvider client={queryClient}>
      <AuthContext.Provider value={auth}>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<p>home</p>} />
              <Route path="jobs" element={<JobsPage />} />
              <Route path="jobs/:id" element={<JobDetailPage />} />
              <Route path="backends" element={<BackendsPage />} />
            </Route>
          </Routes>
          {extra}
        </MemoryRouter>
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
}

const navLinks = () => within(screen.getByRole("navigation", { name: "Main" })).getAllByRole("link").map((a) => a.textContent);

beforeEach(() => {
  handlers = {
    "GET /v1/backends": () => json(200, { items: BACKENDS, next_cursor: null }),
    "GET /v1/quotas": () => json(200, QUOTAS),
    "GET /v1/jobs/stats": () =>
      json(200, {
        from: NOW,
        to: NOW,
        counts: { queued: 0, running: 1, cancelling: 0, completed: 3, failed: 1, cancelled: 0 },
        total: 5,
        mean_queue_ms: 250,
        mean_run_ms: 1500,
        shots: 3072,
      }),
  };
  requests.length = 0;
  vi.stubGlobal("fetch", vi.fn(fakeApi));
  configureApi("http://api.test");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the jobs page", () => {
  it("offers the backends with their queues, disabling offline and retired ones", async () => {
    renderAt(meAs("developer"), "/jobs");
    const select = (await screen.findByLabelText("Backend", { selector: "select[name=backend]" })) as HTMLSelectElement;
    await waitFor(() => expect(select.options).toHaveLength(3));
    const options = [...select.options];
    expect(options.map((o) => o.value)).toEqual(["qhub-statevector", "ionq-aria-25", "quera-aquila-256"]);
    expect(options.map((o) => o.disabled)).toEqual([false, true, true]);
    expect(options[0]!.textContent).toContain("2 queued · 1 running · wait ~12 s");
    expect(options[1]!.textContent).toContain("offline");
    expect(screen.getByTestId("backend-queue").textContent).toContain("2 queued");
    expect(await screen.findByTestId("quota-queued")).toBeTruthy();
    expect(screen.getByTestId("quota-queued").textContent).toContain("1 of 20");
    expect((await screen.findByTestId("job-stats")).textContent).toBe(
      "Last 30 days: 5 jobs (1 running, 3 completed, 1 failed); mean wait 250 ms, mean run 1.5 s; 3,072 shots completed.",
    );
  });

  it("fills the editor from a sample and submits it", async () => {
    handlers["POST /v1/jobs"] = () => json(201, job({ status: "queued", queue: { position: 1, estimated_start_at: NOW, estimated_completion_at: NOW, approximate: true } }));
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job({ status: "queued", queue: { position: 1, estimated_start_at: NOW, estimated_completion_at: NOW, approximate: true } }));
    renderAt(meAs("developer"), "/jobs");
    fireEvent.change(await screen.findByLabelText("Sample circuit"), { target: { value: "bell" } });
    const editor = screen.getByLabelText("Program (OpenQASM 2.0)") as HTMLTextAreaElement;
    expect(editor.value).toBe(SAMPLES[0]!.program);
    fireEvent.change(screen.getByLabelText("Tags (optional)"), { target: { value: "bell, demo" } });
    fireEvent.click(screen.getByRole("button", { name: "Submit job" }));
    expect(await screen.findByTestId("job-name")).toBeTruthy();
    const post = requests.find((r) => r.method === "POST" && r.path === "/v1/jobs")!;
    expect(JSON.parse(post.body)).toEqual({ backend: "qhub-statevector", program: SAMPLES[0]!.program, shots: 1024, tags: ["bell", "demo"] });
    // The API's CORS policy does not allow the header from a browser.
    expect(post.headers.get("Idempotency-Key")).toBeNull();
    expect(screen.getByTestId("job-queue-position").textContent).toBe("#1");
    expect(screen.getByTestId("job-estimated-start").textContent).toMatch(/approximate/);
  });

  it("shows a program error from the server on the editor, at its line", async () => {
    handlers["POST /v1/jobs"] = () =>
      problem(422, "program_invalid", "program: line 3, column 10: expected ';'", {
        line: 3,
        column: 10,
        errors: [{ field: "program", message: "line 3, column 10: expected ';'" }],
      });
    renderAt(meAs("developer"), "/jobs");
    const editor = (await screen.findByLabelText("Program (OpenQASM 2.0)")) as HTMLTextAreaElement;
    fireEvent.change(editor, { target: { value: 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2]\nh q[0];\n' } });
    fireEvent.click(screen.getByRole("button", { name: "Submit job" }));
    expect((await screen.findByTestId("program-error")).textContent).toBe("line 3, column 10: expected ';'");
    expect(screen.getByTestId("qasm-error-line").textContent).toContain("qreg q[2]");
    expect(document.querySelector(".qasm-gutter-error")?.textContent).toBe("3");
    expect(editor.getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(editor));
    // Editing the program clears the mark.
    fireEvent.change(editor, { target: { value: 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\n' } });
    expect(screen.queryByTestId("qasm-error-line")).toBeNull();
    expect(screen.queryByTestId("program-error")).toBeNull();
  });

  it("shows a quota refusal as the form's message", async () => {
    handlers["POST /v1/jobs"] = () => problem(429, "quota_exceeded", "this organization has 20 queued jobs, its limit; wait for some to finish");
    renderAt(meAs("developer"), "/jobs");
    fireEvent.change(await screen.findByLabelText("Sample circuit"), { target: { value: "ghz" } });
    fireEvent.click(screen.getByRole("button", { name: "Submit job" }));
    expect((await screen.findByTestId("form-message")).textContent).toMatch(/20 queued jobs/);
  });

  it("lists jobs with status badges, filters by status, and polls while one is active", async () => {
    let polls = 0;
    handlers["GET /v1/jobs"] = (_r, url) => {
      polls++;
      const status = url.searchParams.get("status");
      const items = [job({ status: polls > 1 ? "completed" : "running" }), job({ id: "019ad5a0-0000-7000-8000-000000000002", name: "", status: "failed" })];
      return json(200, { items: status ? items.filter((j) => j.status === status) : items, next_cursor: null });
    };
    renderAt(meAs("viewer"), "/jobs");
    const rows = await screen.findAllByTestId("job-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByTestId("job-status-badge").textContent).toBe("Running");
    expect(within(rows[1]!).getByRole("link").textContent).toBe("Job 019ad5a0");
    // Refetched while a job runs: the badge moves on by itself.
    await waitFor(() => expect(within(screen.getAllByTestId("job-row")[0]!).getByTestId("job-status-badge").textContent).toBe("Completed"), {
      timeout: 4000,
    });
    const after = polls;
    await new Promise((r) => setTimeout(r, 1800));
    expect(polls).toBe(after);
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failed" } });
    await waitFor(() => expect(requests.some((r) => r.path === "/v1/jobs" && r.query.get("status") === "failed")).toBe(true));
    await waitFor(() => expect(screen.getAllByTestId("job-row")).toHaveLength(1));
  }, 10_000);
});

describe("the job page", () => {
  it("shows the counts of a completed job as a histogram", async () => {
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job());
    handlers[`GET /v1/jobs/${JOB_ID}/result`] = () => json(200, { job_id: JOB_ID, counts: { "00": 510, "11": 514 }, shots: 1024 });
    renderAt(meAs("developer"), `/jobs/${JOB_ID}`);
    expect((await screen.findByTestId("job-status")).textContent).toBe("Completed");
    const bars = await screen.findAllByTestId("histogram-bar");
    expect(bars.map((b) => b.getAttribute("data-outcome"))).toEqual(["00", "11"]);
    expect(screen.getByTestId("job-program").textContent).toContain("cx q[0],q[1];");
    // Finished: delete and rerun, no cancel.
    expect(screen.getByRole("button", { name: "Delete job" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Rerun" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Cancel job" })).toBeNull();
  });

  it("offers cancel while queued, and no result or delete yet", async () => {
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job({ status: "queued", started_at: null, finished_at: null }));
    handlers[`POST /v1/jobs/${JOB_ID}/cancel`] = () =>
      json(200, job({ status: "cancelled", reason: "cancelled_by_user", message: "Cancelled on request before it started." }));
    renderAt(meAs("developer"), `/jobs/${JOB_ID}`);
    expect((await screen.findByTestId("result-pending")).textContent).toMatch(/when the job completes/);
    expect(screen.queryByRole("button", { name: "Delete job" })).toBeNull();
    expect(requests.some((r) => r.path.endsWith("/result"))).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Cancel job" }));
    fireEvent.click(screen.getByRole("button", { name: "Confirm cancelling" }));
    expect((await screen.findByTestId("job-actions-message")).textContent).toBe("Cancelled before it started.");
    expect(screen.getByTestId("job-message").textContent).toMatch(/Cancelled on request before it started/);
    expect(screen.getByTestId("job-status").textContent).toBe("Cancelled");
  });

  it("reruns into a new job and goes there", async () => {
    const NEW_ID = "019ad5a0-0000-7000-8000-000000000009";
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job({ status: "failed", reason: "time_limit_exceeded", message: "It ran longer than 600 s." }));
    handlers[`POST /v1/jobs/${JOB_ID}/rerun`] = () => json(201, job({ id: NEW_ID, name: "Bell test again", status: "queued" }));
    handlers[`GET /v1/jobs/${NEW_ID}`] = () => json(200, job({ id: NEW_ID, name: "Bell test again", status: "queued" }));
    renderAt(meAs("developer"), `/jobs/${JOB_ID}`);
    expect((await screen.findByTestId("job-message")).textContent).toMatch(/Time limit exceeded.*600 s/);
    fireEvent.click(screen.getByRole("button", { name: "Rerun" }));
    await waitFor(() => expect(screen.getByTestId("job-name").textContent).toBe("Bell test again"));
  });

  it("saves the tags", async () => {
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job());
    handlers[`GET /v1/jobs/${JOB_ID}/result`] = () => json(200, { job_id: JOB_ID, counts: { "00": 1 }, shots: 1 });
    handlers[`PUT /v1/jobs/${JOB_ID}/tags`] = async (req) => json(200, job({ tags: ((await req.json()) as { tags: string[] }).tags }));
    renderAt(meAs("developer"), `/jobs/${JOB_ID}`);
    const form = await screen.findByTestId("job-tags");
    fireEvent.change(within(form).getByLabelText("Tags", { selector: "input" }), { target: { value: "bell, Paper-1" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save tags" }));
    await waitFor(() => expect(screen.getByTestId("job-tags").textContent).toContain("Tags saved."));
    const put = requests.find((r) => r.method === "PUT")!;
    expect(JSON.parse(put.body)).toEqual({ tags: ["bell", "paper-1"] });
  });

  it("is the not-found page for another organization's job", async () => {
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => problem(404, "not_found", "no such job");
    renderAt(meAs("owner"), `/jobs/${JOB_ID}`);
    expect(await screen.findByTestId("not-found")).toBeTruthy();
  });
});

describe("jobs and the session's scopes", () => {
  it("a viewer (jobs:read) sees the jobs but no submit form, and no job actions", async () => {
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job({ status: "running" }));
    renderAt(meAs("viewer"), "/jobs");
    expect(navLinks()).toEqual(expect.arrayContaining(["Jobs", "Backends"]));
    expect(await screen.findByTestId("jobs-read-only")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Submit job" })).toBeNull();
    cleanup();
    renderAt(meAs("viewer"), `/jobs/${JOB_ID}`);
    expect((await screen.findByTestId("job-status")).textContent).toBe("Running");
    expect(screen.queryByTestId("job-actions")).toBeNull();
    expect(screen.queryByRole("button", { name: "Cancel job" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Save tags" })).toBeNull();
  });

  it("without jobs:read there is no Jobs or Backends link and nothing is asked for", async () => {
    renderAt(meAs("owner", ["apps:read", "usage:read"] as Scope[]), "/jobs");
    expect(navLinks()).not.toContain("Jobs");
    expect(navLinks()).not.toContain("Backends");
    expect(screen.getByTestId("jobs-not-allowed")).toBeTruthy();
    await new Promise((r) => setTimeout(r, 30));
    expect(requests.filter((r) => /\/v1\/(jobs|backends|quotas)/.test(r.path))).toEqual([]);
  });

  it("a developer (jobs:write) gets the submit form and the job actions", async () => {
    handlers[`GET /v1/jobs/${JOB_ID}`] = () => json(200, job({ status: "running" }));
    renderAt(meAs("developer"), "/jobs");
    expect(await screen.findByRole("button", { name: "Submit job" })).toBeTruthy();
    cleanup();
    renderAt(meAs("developer"), `/jobs/${JOB_ID}`);
    expect(await screen.findByRole("button", { name: "Cancel job" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Delete job" })).toBeNull();
  });
});

describe("the backends page", () => {
  it("lists kind, status, qubits, gates, prices and queue", async () => {
    renderAt(meAs("viewer"), "/backends");
    const sim = await screen.findByTestId("backend-row-qhub-statevector");
    expect(sim.textContent).toContain("Simulator");
    expect(sim.textContent).toContain("Online");
    expect(sim.textContent).toContain("Free");
    expect(within(sim).getByTestId("backend-queue").textContent).toContain("2 queued, 1 running");
    const ionq = screen.getByTestId("backend-row-ionq-aria-25");
    expect(ionq.textContent).toContain("QPU");
    expect(ionq.textContent).toContain("Offline");
    expect(ionq.textContent).toContain("$0.03 per shot");
    expect(ionq.textContent).toContain("Takes no jobs");
    expect(screen.getByTestId("backend-row-quera-aquila-256").getAttribute("data-status")).toBe("retired");
  });
});
