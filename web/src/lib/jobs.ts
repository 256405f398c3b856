// Quantum jobs in the console (docs/jobs.md): status words and colours,
// sample circuits, an OpenQASM 2 highlighter, the histogram's bars, money
// and durations, and the submit form's client-side checks (the server
// checks everything again, and the program itself only there).
import type { BackendView, JobStatus, JobView } from "../api/jobs";
import { TAG_PATTERN, parseTags } from "./apps";
import { formatNumber } from "./format";
import type { FormErrors } from "./validation";

export const JOB_STATUS_LABELS: Record<JobStatus, string> = {
  queued: "Queued",
  running: "Running",
  cancelling: "Cancelling",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const JOB_STATUS_COLORS: Record<JobStatus, string> = {
  queued: "gray",
  running: "blue",
  cancelling: "orange",
  completed: "green",
  failed: "red",
  cancelled: "orange",
};

/** Statuses a job can still leave: the list and the job page poll while one is shown. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ["queued", "running", "cancelling"];

export function isActive(job: Pick<JobView, "status">): boolean {
  return ACTIVE_STATUSES.includes(job.status);
}

/** Nothing will change it any more (it may be deleted). */
export function isFinished(job: Pick<JobView, "status">): boolean {
  return !isActive(job);
}

/** Cancel is offered while the job waits or runs (the server's rule). */
export function canCancel(job: Pick<JobView, "status">): boolean {
  return job.status === "queued" || job.status === "running";
}

export const BACKEND_STATUS_LABELS: Record<BackendView["status"], string> = {
  online: "Online",
  offline: "Offline",
  retired: "Retired",
};

export const BACKEND_STATUS_COLORS: Record<BackendView["status"], string> = {
  online: "green",
  offline: "gray",
  retired: "red",
};

export const BACKEND_KIND_LABELS: Record<BackendView["kind"], string> = {
  simulator: "Simulator",
  qpu: "QPU",
};

/** The backend the form starts with. */
export const DEFAULT_BACKEND = "qhub-statevector";

// --- sample circuits ------------------------------------------------------------

export interface SampleCircuit {
  id: string;
  label: string;
  program: string;
}

const HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n';

export const SAMPLES: readonly SampleCircuit[] = [
  {
    id: "bell",
    label: "Bell pair (2 qubits)",
    program: `${HEADER}// Entangle two qubits: 00 and 11, half the shots each.
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
`,
  },
  {
    id: "ghz",
    label: "GHZ state (3 qubits)",
    program: `${HEADER}// Three qubits all 0 or all 1: 000 and 111.
qreg q[3];
creg c[3];
h q[0];
cx q[0],q[1];
cx q[1],q[2];
barrier q;
measure q -> c;
`,
  },
  {
    id: "grover",
    label: "Grover search (2 qubits, marks 11)",
    program: `${HEADER}// One Grover iteration finds the marked state 11 with certainty.
qreg q[2];
creg c[2];
h q;
// Oracle: flip the phase of 11.
cz q[0],q[1];
// Diffusion: reflect about the mean.
h q;
x q;
cz q[0],q[1];
x q;
h q;
measure q -> c;
`,
  },
];

// --- OpenQASM 2 highlighting ------------------------------------------------------

export type TokenKind = "comment" | "string" | "keyword" | "gate" | "number" | "operator" | "text";

export interface Token {
  kind: TokenKind;
  text: string;
}

const KEYWORDS = new Set(["OPENQASM", "include", "qreg", "creg", "gate", "opaque", "measure", "reset", "barrier", "if", "pi"]);
/** qelib1.inc's gates and the simulator's basis: shown as gates. */
const GATES = new Set(
  (
    "u3 u2 u1 u p u0 id x y z h s sdg t tdg sx sxdg rx ry rz cx cy cz ch csx crx cry crz cu1 cp cu3 cu swap ccx cswap " +
    "rxx rzz c3x c4x c3sqrtx CX U ecr iswap ms gpi gpi2"
  ).split(" "),
);

const TOKEN = /(\/\/[^\n]*)|("(?:[^"\\\n]|\\.)*"?)|([A-Za-z_][A-Za-z0-9_]*)|(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(->|==|[-+*/^;,()[\]{}])/g;

/** One line of OpenQASM as coloured tokens; concatenated, the tokens are the line. */
export function tokenizeLine(line: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  const push = (kind: TokenKind, text: string) => {
    if (!text) return;
    const prev = out[out.length - 1];
    if (prev && prev.kind === kind && kind === "text") prev.text += text;
    else out.push({ kind, text });
  };
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(line); m; m = TOKEN.exec(line)) {
    push("text", line.slice(last, m.index));
    const [text, comment, string, word, number] = m;
    if (comment) push("comment", text);
    else if (string) push("string", text);
    else if (word) push(KEYWORDS.has(word) ? "keyword" : GATES.has(word) ? "gate" : "text", text);
    else if (number) push("number", text);
    else push("operator", text);
    last = m.index + text.length;
  }
  push("text", line.slice(last));
  return out;
}

/** The program as lines of tokens (a trailing newline gives a last, empty line). */
export function tokenizeQasm(source: string): Token[][] {
  return source.split("\n").map(tokenizeLine);
}

/** Where a problem points in a program: 1-based line and column, clamped to the text. */
export function errorLocation(source: string, line: number | null | undefined, column: number | null | undefined): { line: number; column: number } | null {
  if (!line || line < 1) return null;
  const lines = source.split("\n");
  const l = Math.min(line, lines.length);
  const text = lines[l - 1] ?? "";
  const c = Math.max(1, Math.min(column ?? 1, text.length + 1));
  return { line: l, column: c };
}

// --- the histogram ------------------------------------------------------------------

export interface HistogramBar {
  outcome: string;
  count: number;
  /** Of all shots, 0–1. */
  share: number;
  /** Of the largest count, 0–1 (the bar's length). */
  scale: number;
}

/** Bars at most: past it the smallest counts are summed into "other". */
export const HISTOGRAM_MAX_BARS = 32;

/**
 * The bars of a result: outcomes in bit-string order (numeric order of the
 * bits, register separators ignored), shares of `shots` (else of the sum).
 * With more than `max` outcomes, the `max` most frequent are kept (in
 * bit-string order) and `hidden` counts the rest.
 */
export function histogramBars(
  counts: Readonly<Record<string, number>>,
  shots?: number,
  max = HISTOGRAM_MAX_BARS,
): { bars: HistogramBar[]; hidden: number; hiddenCount: number; total: number } {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  const sum = entries.reduce((s, [, n]) => s + n, 0);
  const total = shots && shots > 0 ? shots : sum;
  let kept = entries;
  if (entries.length > max) kept = [...entries].sort((a, b) => b[1] - a[1] || compareOutcomes(a[0], b[0])).slice(0, max);
  kept = [...kept].sort((a, b) => compareOutcomes(a[0], b[0]));
  const top = kept.reduce((m, [, n]) => Math.max(m, n), 0);
  const bars = kept.map(([outcome, count]) => ({
    outcome,
    count,
    share: total > 0 ? count / total : 0,
    scale: top > 0 ? count / top : 0,
  }));
  const hiddenCount = sum - kept.reduce((s, [, n]) => s + n, 0);
  return { bars, hidden: entries.length - kept.length, hiddenCount, total };
}

/** Bit strings by value ("00" < "01" < "10" < "11"); other keys after, as text. */
export function compareOutcomes(a: string, b: string): number {
  const bits = (s: string) => s.replace(/ /g, "");
  const ba = bits(a);
  const bb = bits(b);
  const binary = /^[01]+$/;
  if (binary.test(ba) && binary.test(bb)) {
    if (ba.length !== bb.length) return ba.length - bb.length;
    return ba < bb ? -1 : ba > bb ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

// --- money, times, sizes -------------------------------------------------------------

/** Millionths of a US dollar → "$0.03", "$0.0003", "Free" for 0. */
export function formatMicros(micros: number): string {
  if (micros === 0) return "Free";
  const dollars = micros / 1_000_000;
  const digits = dollars >= 0.01 ? 2 : Math.min(6, Math.ceil(-Math.log10(dollars)) + 1);
  return `$${dollars.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: Math.max(2, digits) })}`;
}

/** Milliseconds → "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min"; null → "—". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return formatSeconds(ms / 1000);
}

export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "—";
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)} s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
  const h = Math.floor(total / 3600);
  return `${h} h ${String(Math.floor((total % 3600) / 60)).padStart(2, "0")} min`;
}

/** A backend queue's wait: "~12 s", "none", or that no worker is live. */
export function formatWait(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "unknown (no worker)";
  if (seconds < 0.5) return "none";
  return `~${formatSeconds(seconds)}`;
}

export function formatQueue(q: BackendView["queue"]): string {
  return `${formatNumber(q.queued)} queued · ${formatNumber(q.running)} running · wait ${formatWait(q.estimated_wait_seconds)}`;
}

/** Bytes → "512 B", "16.0 KiB", "1.5 MiB". */
export function formatBytesShort(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A job's name, or its id's first characters when it has none. */
export function jobTitle(job: Pick<JobView, "id" | "name">): string {
  return job.name.trim() || `Job ${job.id.slice(0, 8)}`;
}

// --- the submit form ------------------------------------------------------------------

export const PROGRAM_MAX_BYTES = 256 * 1024;
export const JOB_TAGS_MAX = 20;
export const JOB_NAME_MAX = 200;
export const SEED_MAX = 9_007_199_254_740_991;
export const SHOTS_MAX = 1_000_000;

export interface JobFormValues {
  backend: string;
  program: string;
  shots: string;
  seed: string;
  name: string;
  tags: string;
}

const INTEGER = /^\d+$/;

/** Tags typed as "a, b c": lowercase, distinct; an error sentence or null. */
export function validateJobTags(text: string): string | null {
  const tags = parseTags(text);
  if (tags.length > JOB_TAGS_MAX) return `At most ${JOB_TAGS_MAX} tags.`;
  const bad = tags.find((t) => !TAG_PATTERN.test(t));
  if (bad) return `“${bad}” is not a tag: lowercase letters, digits and hyphens, at most 32, starting with a letter or digit.`;
  return null;
}

export function validateJobForm(v: JobFormValues, backend?: Pick<BackendView, "max_shots" | "status" | "name">): FormErrors<JobFormValues> {
  const errors: FormErrors<JobFormValues> = {};
  if (!v.backend) errors.backend = "Choose a backend.";
  else if (backend && backend.status !== "online") errors.backend = `${backend.name} is ${backend.status} and takes no jobs.`;
  if (v.program.trim() === "") errors.program = "Write a program or choose a sample.";
  else if (new TextEncoder().encode(v.program).length > PROGRAM_MAX_BYTES) errors.program = "At most 262,144 bytes.";
  const shots = v.shots.trim();
  const maxShots = Math.min(SHOTS_MAX, backend?.max_shots ?? SHOTS_MAX);
  if (shots !== "" && (!INTEGER.test(shots) || Number(shots) < 1 || Number(shots) > maxShots)) {
    errors.shots = `A whole number from 1 to ${formatNumber(maxShots)}.`;
  }
  const seed = v.seed.trim();
  if (seed !== "" && (!INTEGER.test(seed) || Number(seed) > SEED_MAX)) errors.seed = "A whole number from 0 to 9,007,199,254,740,991.";
  if (v.name.trim().length > JOB_NAME_MAX) errors.name = `At most ${JOB_NAME_MAX} characters.`;
  const tags = validateJobTags(v.tags);
  if (tags) errors.tags = tags;
  return errors;
}

/** A date-time to the second (jobs start and finish within seconds), or a dash. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** "in ~12 s" / "~3 s ago" from now to `value`, for estimates. */
export function fromNow(value: string | null | undefined, now: number = Date.now()): string {
  if (!value) return "";
  const t = new Date(value).getTime();
  if (Number.isNaN(t)) return "";
  const s = (t - now) / 1000;
  if (Math.abs(s) < 1) return "now";
  return s > 0 ? `in ~${formatSeconds(s)}` : `~${formatSeconds(-s)} ago`;
}

/** Why a job is in its state, for people (the server's message wins when there is one). */
export const JOB_REASON_LABELS: Record<string, string> = {
  simulation_error: "Simulation error",
  time_limit_exceeded: "Time limit exceeded",
  worker_lost: "Worker lost",
  requeued_after_worker_loss: "Requeued after a worker was lost",
  cancelled_by_user: "Cancelled on request",
};
