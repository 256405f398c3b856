"""The `qhub` command: backends and quantum jobs from a terminal or a script.

Every request goes through `qhub_client`, the client openapi-python-client
generates from QHub's openapi.yaml; this module only parses arguments,
stores the login and prints what the API answers.

Exit codes: 0 success; 1 an error (the API's problem `detail`, a network
error, no login); 2 a usage error; 3 a job that ended failed or cancelled
(`--wait`, `jobs wait`); 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import stat
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from qhub_cli import __version__

try:
    import httpx
    from qhub_client import AuthenticatedClient
    from qhub_client.api.jobs import (
        cancel_job,
        get_job,
        get_job_result,
        get_quotas,
        list_backends,
        list_jobs,
        submit_job,
    )
    from qhub_client.models import JobStatus, Problem, SubmitJobRequest
    from qhub_client.types import UNSET
except ImportError as e:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"qhub: error: the generated QHub client is not importable ({e}).\n"
        "Generate it with clients/cli/generate.sh DIR and put DIR on PYTHONPATH.\n"
    )
    sys.exit(1)

DEFAULT_BACKEND = "qhub-statevector"
FINAL = {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}
EXIT_ERROR, EXIT_USAGE, EXIT_JOB_NOT_COMPLETED, EXIT_INTERRUPTED = 1, 2, 3, 130


class CliError(Exception):
    """An error to report and exit with: a message, maybe a problem document."""

    def __init__(self, message: str, problem: dict[str, Any] | None = None, code: int = EXIT_ERROR):
        super().__init__(message)
        self.problem = problem
        self.code = code


# --- Configuration ------------------------------------------------------------


def config_path() -> Path:
    """`$QHUB_CONFIG`, else `$XDG_CONFIG_HOME/qhub/config.json` (~/.config)."""
    explicit = os.environ.get("QHUB_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qhub" / "config.json"


def read_config() -> dict[str, Any]:
    path = config_path()
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from e
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        warn(f"{path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise CliError(f"{path} is not JSON ({e}); log in again") from e
    return data if isinstance(data, dict) else {}


def write_config(data: dict[str, Any]) -> Path:
    """Writes the file with mode 0600 from the start (atomically replaced)."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def credentials() -> tuple[str, str]:
    """The URL and API key: QHUB_URL / QHUB_API_KEY over the config file."""
    cfg = read_config()
    url = os.environ.get("QHUB_URL") or cfg.get("url")
    key = os.environ.get("QHUB_API_KEY") or cfg.get("api_key")
    if not url or not key:
        raise CliError(
            "not logged in: run `qhub login --url URL --api-key KEY` "
            "(or set QHUB_URL and QHUB_API_KEY)"
        )
    return url.rstrip("/"), key


def make_client(url: str, key: str) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=url,
        token=key,
        timeout=httpx.Timeout(30.0),
        headers={"User-Agent": f"qhub-cli/{__version__}"},
    )


# --- Calling the API ----------------------------------------------------------


def problem_of(res) -> dict[str, Any]:
    """The problem document of an error response, parsed or not."""
    if isinstance(res.parsed, Problem):
        return res.parsed.to_dict()
    try:
        body = json.loads(res.content)
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    text = res.content.decode(errors="replace").strip()[:200]
    return {"status": int(res.status_code), "detail": text or f"HTTP {int(res.status_code)}"}


def call(ctx: Context, endpoint, **kwargs):
    """Calls a generated endpoint module; its parsed answer, or CliError."""
    try:
        res = endpoint.sync_detailed(client=ctx.client, **kwargs)
    except httpx.TimeoutException as e:
        raise CliError(f"{ctx.url} did not answer in time ({type(e).__name__})") from e
    except httpx.HTTPError as e:
        raise CliError(f"cannot reach {ctx.url}: {e}") from e
    status = int(res.status_code)
    if 200 <= status < 300 and not isinstance(res.parsed, Problem):
        return res.parsed
    problem = problem_of(res)
    raise CliError(describe(problem, ctx.source), problem)


def describe(problem: dict[str, Any], source: Source | None = None) -> str:
    """`detail [code]`, with `file:line:column:` and the line for program errors,
    and the fields at fault."""
    detail = problem.get("detail") or problem.get("title") or f"HTTP {problem.get('status')}"
    code = problem.get("code")
    text = f"{detail} [{code}]" if code else str(detail)
    line, column = problem.get("line"), problem.get("column")
    if isinstance(line, int):
        where = source.name if source else "program"
        text = f"{where}:{line}:{column if isinstance(column, int) else 1}: {text}"
        if source:
            text += source.excerpt(line, column if isinstance(column, int) else None)
    for err in problem.get("errors") or []:
        if not isinstance(err, dict) or err.get("field") == "program":
            continue
        field, message = err.get("field"), err.get("message")
        if field and message and f"{field}: {message}" not in str(detail):
            text += f"\n  {field}: {message}"
    if problem.get("status") == 401:
        text += "\n  (the API key was refused: log in again with a valid key)"
    elif problem.get("status") == 403:
        text += "\n  (the API key lacks a scope this needs: jobs:read or jobs:write)"
    return text


class Source:
    """A program file, to point at the line an error names."""

    def __init__(self, name: str, text: str):
        self.name, self.text = name, text

    def excerpt(self, line: int, column: int | None) -> str:
        lines = self.text.splitlines()
        if not 1 <= line <= len(lines):
            return ""
        out = f"\n    {lines[line - 1]}"
        if column and column >= 1:
            out += "\n    " + " " * (column - 1) + "^"
        return out


class Context:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.json = bool(getattr(args, "json", False))
        self.source: Source | None = None
        self._client: AuthenticatedClient | None = None
        self.url = ""

    @property
    def client(self) -> AuthenticatedClient:
        if self._client is None:
            self.url, key = credentials()
            self._client = make_client(self.url, key)
        return self._client


# --- Output -------------------------------------------------------------------


def warn(message: str) -> None:
    sys.stderr.write(f"qhub: warning: {message}\n")


def emit_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def table(headers: list[str], rows: list[list[Any]], right: set[int] | None = None) -> None:
    right = right or set()
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def fmt(row: list[str]) -> str:
        parts = [
            v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(row)
        ]
        return "  ".join(parts).rstrip()

    print(fmt(headers))
    for row in cells:
        print(fmt(row))


def cell(v: Any) -> str:
    if v is None or v is UNSET:
        return "-"
    if isinstance(v, dt.datetime):
        return when(v)
    if isinstance(v, list | tuple):
        return ",".join(str(x) for x in v) or "-"
    return str(v)


def when(v: Any) -> str:
    """A time in UTC, to the second."""
    if not isinstance(v, dt.datetime):
        return "-"
    return v.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def seconds(ms: Any) -> str:
    return "-" if not isinstance(ms, int | float) else f"{ms / 1000:.3f}s"


def present(v: Any) -> Any:
    """None for a field the answer left out."""
    return None if v is UNSET else v


def opt(v: Any) -> Any:
    """UNSET (left out of the request) for an option not given."""
    return UNSET if v is None else v


# --- Commands -----------------------------------------------------------------


def cmd_login(ctx: Context) -> int:
    args = ctx.args
    url = (args.url or os.environ.get("QHUB_URL") or "").rstrip("/")
    key = args.api_key or os.environ.get("QHUB_API_KEY")
    if not url:
        raise CliError("give --url (or set QHUB_URL)", code=EXIT_USAGE)
    if not url.startswith(("http://", "https://")):
        raise CliError(f"--url must start with http:// or https://: {url}", code=EXIT_USAGE)
    if not key and sys.stdin.isatty():
        import getpass

        key = getpass.getpass("API key: ").strip()
    if not key:
        raise CliError("give --api-key (or set QHUB_API_KEY)", code=EXIT_USAGE)
    if not args.no_verify:
        # Any jobs:read call proves the URL and the key.
        ctx.url, ctx._client = url, make_client(url, key)
        call(ctx, list_backends, limit=1)
    path = write_config({"url": url, "api_key": key})
    if ctx.json:
        emit_json({"url": url, "config": str(path)})
    else:
        print(f"Logged in to {url} (saved to {path})")
    return 0


def all_backends(ctx: Context) -> list:
    items, cursor = [], UNSET
    while True:
        page = call(ctx, list_backends, limit=100, cursor=cursor)
        items += page.items
        nxt = present(page.next_cursor)
        if not nxt:
            return items
        cursor = nxt


def cmd_backends(ctx: Context) -> int:
    items = all_backends(ctx)
    if ctx.json:
        emit_json([b.to_dict() for b in items])
        return 0
    rows = []
    for b in items:
        wait = present(b.queue.estimated_wait_seconds)
        rows.append(
            [
                b.name,
                b.kind,
                b.status,
                b.qubits,
                b.max_shots,
                b.queue.queued,
                b.queue.running,
                "-" if wait is None else f"{wait:.0f}s",
                b.platform,
            ]
        )
    table(
        ["NAME", "KIND", "STATUS", "QUBITS", "MAX SHOTS", "QUEUED", "RUNNING", "WAIT", "PLATFORM"],
        rows,
        right={3, 4, 5, 6, 7},
    )
    return 0


def cmd_quotas(ctx: Context) -> int:
    q = call(ctx, get_quotas)
    if ctx.json:
        emit_json(q.to_dict())
        return 0
    names = [
        ("qubits per job", q.qubits),
        ("shots per job", q.shots_per_job),
        ("queued jobs", q.queued_jobs),
        ("running jobs", q.running_jobs),
        ("simulator seconds this month", q.simulator_seconds_per_month),
    ]
    table(["QUOTA", "USED", "LIMIT"], [[n, i.used, i.limit] for n, i in names], right={1, 2})
    return 0


def read_program(path: str) -> Source:
    if path == "-":
        return Source("<stdin>", sys.stdin.read())
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from e
    try:
        return Source(path, raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise CliError(f"{path} is not UTF-8 text (OpenQASM): {e}") from e


def cmd_submit(ctx: Context) -> int:
    args = ctx.args
    ctx.source = read_program(args.file)
    body = SubmitJobRequest(
        backend=args.backend,
        program=ctx.source.text,
        shots=opt(args.shots),
        seed=opt(args.seed),
        name=opt(args.name),
        tags=args.tag if args.tag else UNSET,
        max_execution_seconds=opt(args.max_seconds),
    )
    job = call(ctx, submit_job, body=body, idempotency_key=opt(args.idempotency_key))
    if not args.wait:
        if ctx.json:
            emit_json(job.to_dict())
        else:
            print(f"Submitted job {job.id} to {job.backend}: {status_line(job)}")
        return 0
    if not ctx.json:
        print(f"Submitted job {job.id} to {job.backend}")
    return finish(ctx, job)


def cmd_wait(ctx: Context) -> int:
    job = call(ctx, get_job, id=job_id(ctx.args.id))
    return finish(ctx, job)


def finish(ctx: Context, job) -> int:
    """Waits for the job, then prints it with its counts (or why it has none)."""
    job = wait_for(ctx, job, ctx.args.timeout)
    result = None
    if job.status == JobStatus.COMPLETED:
        result = call(ctx, get_job_result, id=job.id)
    if ctx.json:
        emit_json({"job": job.to_dict(), "result": result.to_dict() if result else None})
    else:
        print(f"Job {job.id}: {status_line(job)}")
        if result:
            print_counts(result)
    if job.status != JobStatus.COMPLETED:
        if not ctx.json:
            sys.stderr.write(f"qhub: job {job.id} {job.status}: {reason_text(job)}\n")
        return EXIT_JOB_NOT_COMPLETED
    return 0


def wait_for(ctx: Context, job, timeout: float | None):
    start, delay, last = time.monotonic(), 0.2, None
    show = not ctx.json and sys.stderr.isatty()
    try:
        while job.status not in FINAL:
            line = status_line(job)
            if show and line != last:
                sys.stderr.write(f"  {line}\n")
                last = line
            if timeout is not None and time.monotonic() - start > timeout:
                raise CliError(
                    f"job {job.id} is still {job.status} after {timeout:g}s "
                    f"(it goes on; see `qhub jobs show {job.id}`)"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)
            job = call(ctx, get_job, id=job.id)
    except KeyboardInterrupt:
        sys.stderr.write(
            f"\nqhub: stopped waiting; job {job.id} goes on (`qhub jobs show {job.id}`, "
            f"`qhub jobs cancel {job.id}`)\n"
        )
        raise SystemExit(EXIT_INTERRUPTED) from None
    return job


def reason_text(job) -> str:
    parts = [str(x) for x in (present(job.reason), present(job.message)) if x]
    return ": ".join(parts) or "no reason given"


def status_line(job) -> str:
    """`queued (position 2, starts ~…)`, `completed in 0.123s`, `failed: …`."""
    status = str(job.status)
    queue = present(job.queue)
    if job.status == JobStatus.QUEUED and queue:
        bits = []
        if present(queue.position) is not None:
            bits.append(f"position {queue.position}")
        start = present(queue.estimated_start_at)
        if start:
            bits.append(f"starts ~{when(start)}")
        return f"{status} ({', '.join(bits)})" if bits else status
    if job.status == JobStatus.RUNNING and queue:
        done = present(queue.estimated_completion_at)
        return f"{status} (done ~{when(done)})" if done else status
    if job.status == JobStatus.COMPLETED:
        return f"{status} in {seconds(present(job.usage.run_ms))}"
    if job.status in {JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.CANCELLING}:
        return f"{status}: {reason_text(job)}"
    return status


def print_counts(result) -> None:
    counts: dict[str, int] = result.counts.to_dict()
    shots = result.shots or sum(counts.values()) or 1
    rows = []
    for outcome, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        p = n / shots
        rows.append([outcome, n, f"{p:.4f}", "#" * round(p * 40)])
    table(["OUTCOME", "COUNT", "PROB", ""], rows, right={1, 2})
    print(f"{sum(counts.values())} shots, {len(counts)} outcomes")


def job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CliError(f"not a job id: {text!r}", code=EXIT_USAGE) from None


def backend_id(ctx: Context, ref: str) -> uuid.UUID:
    """A backend's id from its id or its name."""
    try:
        return uuid.UUID(ref)
    except ValueError:
        pass
    for b in all_backends(ctx):
        if b.name == ref:
            return b.id
    raise CliError(f"no backend named {ref!r} (see `qhub backends`)", code=EXIT_USAGE)


def cmd_list(ctx: Context) -> int:
    args = ctx.args
    kwargs: dict[str, Any] = {"limit": args.limit}
    if args.status:
        kwargs["status"] = JobStatus(args.status)
    if args.tag:
        kwargs["tag"] = args.tag
    if args.backend:
        kwargs["backend"] = backend_id(ctx, args.backend)
    if args.cursor:
        kwargs["cursor"] = args.cursor
    page = call(ctx, list_jobs, **kwargs)
    nxt = present(page.next_cursor)
    if ctx.json:
        emit_json({"items": [j.to_dict() for j in page.items], "next_cursor": nxt})
        return 0
    rows = [
        [j.id, j.status, j.backend, j.qubits, j.shots, j.created_at, j.name or "-"]
        for j in page.items
    ]
    table(["ID", "STATUS", "BACKEND", "QUBITS", "SHOTS", "CREATED", "NAME"], rows, right={3, 4})
    if nxt:
        sys.stderr.write(f"(more: qhub jobs list --cursor {nxt})\n")
    return 0


def cmd_show(ctx: Context) -> int:
    job = call(ctx, get_job, id=job_id(ctx.args.id))
    if ctx.json:
        emit_json(job.to_dict())
        return 0
    queue = present(job.queue)
    usage = job.usage
    fields = [
        ("id", job.id),
        ("name", job.name or "-"),
        ("status", status_line(job)),
        ("backend", f"{job.backend} ({job.backend_id})"),
        ("shots", job.shots),
        ("seed", job.seed),
        ("qubits", f"{job.qubits} (classical bits {job.clbits})"),
        ("depth", job.depth),
        ("gates", job.gate_count),
        ("tags", job.tags),
        ("created", job.created_at),
        ("started", present(job.started_at)),
        ("finished", present(job.finished_at)),
    ]
    if present(job.cancelled_at):
        fields.append(("cancelled", job.cancelled_at))
    if queue:
        fields += [
            ("queue position", present(queue.position)),
            ("est. start", present(queue.estimated_start_at)),
            ("est. completion", present(queue.estimated_completion_at)),
        ]
    fields += [
        ("queued for", seconds(present(usage.queued_ms))),
        ("ran for", seconds(present(usage.run_ms))),
        ("cpu", seconds(present(usage.cpu_ms))),
        ("attempts", job.attempts),
    ]
    width = max(len(k) for k, _ in fields)
    for k, v in fields:
        print(f"{k + ':':<{width + 1}} {cell(v)}")
    program = present(job.program)
    if program and ctx.args.program:
        print("program:")
        for line in program.splitlines():
            print(f"    {line}")
    return 0


def cmd_cancel(ctx: Context) -> int:
    job = call(ctx, cancel_job, id=job_id(ctx.args.id))
    if ctx.json:
        emit_json(job.to_dict())
    else:
        print(f"Job {job.id}: {status_line(job)}")
    return 0


def cmd_result(ctx: Context) -> int:
    result = call(ctx, get_job_result, id=job_id(ctx.args.id))
    if ctx.json:
        emit_json(result.to_dict())
    else:
        print_counts(result)
    return 0


# --- Arguments ----------------------------------------------------------------


def positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {v}")
    return v


def non_negative(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {v}")
    return v


def parser() -> argparse.ArgumentParser:
    # --json is taken before or after the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    p = argparse.ArgumentParser(
        prog="qhub",
        description="QHub from the command line: backends and quantum jobs.",
        epilog="Login: `qhub login`, or QHUB_URL and QHUB_API_KEY. Config: "
        "$QHUB_CONFIG or ~/.config/qhub/config.json.",
    )
    p.add_argument("--version", action="version", version=f"qhub {__version__}")
    p.add_argument("--json", action="store_true", default=False, help="machine-readable output")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    s = sub.add_parser("login", parents=[common], help="store the URL and API key")
    s.add_argument("--url", help="QHub's URL, e.g. https://api.qhub.dev (or QHUB_URL)")
    s.add_argument("--api-key", help="an API key with jobs:read and jobs:write (or QHUB_API_KEY)")
    s.add_argument("--no-verify", action="store_true", help="store without trying the key")
    s.set_defaults(run=cmd_login)

    s = sub.add_parser("backends", parents=[common], help="list the backends and their queues")
    s.set_defaults(run=cmd_backends)

    s = sub.add_parser("quotas", parents=[common], help="the organization's job limits and use")
    s.set_defaults(run=cmd_quotas)

    jobs = sub.add_parser("jobs", help="submit, list, show, cancel jobs; read results")
    jsub = jobs.add_subparsers(dest="jobs_command", metavar="COMMAND", required=True)

    s = jsub.add_parser("submit", parents=[common], help="submit an OpenQASM 2 file")
    s.add_argument("file", metavar="FILE", help="the OpenQASM 2 program ('-': standard input)")
    s.add_argument(
        "--backend", default=DEFAULT_BACKEND, help=f"name or id (default {DEFAULT_BACKEND})"
    )
    s.add_argument("--shots", type=positive, help="shots (the server's default: 1024)")
    s.add_argument("--seed", type=non_negative, help="makes the sampling reproducible")
    s.add_argument("--name", help="a name for the job")
    s.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    s.add_argument("--max-seconds", type=positive, help="time limit of the run (1-3600)")
    s.add_argument("--idempotency-key", help="makes retrying the submission safe")
    s.add_argument("--wait", action="store_true", help="wait until it finishes; print the counts")
    s.add_argument("--timeout", type=float, help="with --wait: give up waiting after SECONDS")
    s.set_defaults(run=cmd_submit)

    s = jsub.add_parser("list", parents=[common], help="list jobs, newest first")
    s.add_argument("--status", choices=[x.value for x in JobStatus])
    s.add_argument("--tag")
    s.add_argument("--backend", help="a backend's name or id")
    s.add_argument("--limit", type=positive, default=20, help="jobs per page (default 20)")
    s.add_argument("--cursor", help="the next page (printed after a full page)")
    s.set_defaults(run=cmd_list)

    s = jsub.add_parser("show", parents=[common], help="a job's status, times, queue and usage")
    s.add_argument("id", metavar="ID")
    s.add_argument("--program", action="store_true", help="print the program too")
    s.set_defaults(run=cmd_show)

    s = jsub.add_parser("wait", parents=[common], help="wait for a job; print its counts")
    s.add_argument("id", metavar="ID")
    s.add_argument("--timeout", type=float, help="give up waiting after SECONDS")
    s.set_defaults(run=cmd_wait)

    s = jsub.add_parser("cancel", parents=[common], help="cancel a job")
    s.add_argument("id", metavar="ID")
    s.set_defaults(run=cmd_cancel)

    s = jsub.add_parser("result", parents=[common], help="a completed job's counts")
    s.add_argument("id", metavar="ID")
    s.set_defaults(run=cmd_result)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    ctx = Context(args)
    try:
        return args.run(ctx)
    except CliError as e:
        if ctx.json and e.problem is not None:
            emit_json({"error": e.problem})
        sys.stderr.write(f"qhub: error: {e}\n")
        return e.code
    except KeyboardInterrupt:
        sys.stderr.write("\nqhub: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `qhub jobs list | head`: the reader left.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
