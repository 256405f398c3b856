"""An integrator's day with the Python client generated from openapi.yaml.

Run by core/tests/integrator.rs after it generated `qhub_client` with
openapi-python-client (no edits) into a directory on PYTHONPATH. Talks to a
real QHub at QHUB_API_URL. Every call goes through the generated code; a
failing assertion exits non-zero with the reason.
"""

import base64
import datetime as dt
import hashlib
import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from qhub_client import AuthenticatedClient, Client
from qhub_client.api.api_keys import create_api_key, list_api_keys
from qhub_client.api.apps import (
    create_app,
    create_app_version,
    publish_app_to_registry,
    publish_app_version,
    upload_app_package,
)
from qhub_client.api.audit import list_audit_events
from qhub_client.api.auth import get_me
from qhub_client.api.jobs import (
    cancel_job,
    delete_job,
    get_backend,
    get_job,
    get_job_result,
    get_job_stats,
    get_quotas,
    list_backends,
    list_jobs,
    rerun_job,
    set_job_tags,
    submit_job,
)
from qhub_client.api.marketplace import (
    list_subscribers,
    publish_marketplace,
    search_marketplace,
)
from qhub_client.api.registry import (
    download_registry_app,
    get_registry_app,
    search_registry,
)
from qhub_client.api.subscriptions import (
    create_subscription_key,
    list_subscription_keys,
    subscribe,
)
from qhub_client.api.tenants import signup
from qhub_client.api.usage import get_usage_summary, get_usage_timeseries
from qhub_client.api.users import create_user, get_user, list_users
from qhub_client.models import (
    AppType,
    BackendKind,
    BackendStatus,
    CreateApiKeyRequest,
    CreateAppRequest,
    CreateKeyRequest,
    CreateUserRequest,
    CreateVersionRequest,
    Currency,
    DownloadRequest,
    Interval,
    JobStatus,
    JobTagsRequest,
    JobView,
    ListingStatus,
    ListingView,
    PlanInput,
    PlanPeriod,
    Problem,
    PublishListingRequest,
    Role,
    Scope,
    Sdk,
    SignupRequest,
    SignupResponse,
    SubmitJobRequest,
    SubscribeRequest,
    SubscriptionState,
    SubscriptionView,
    Visibility,
)
from qhub_client.models.audit_action_filter import AuditActionFilter
from qhub_client.types import File

BASE = os.environ["QHUB_API_URL"]

# A 3-qubit GHZ state: only 000 and 111 are ever measured.
GHZ = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
h q[0];
cx q[0],q[1];
cx q[1],q[2];
measure q -> c;
"""

# A missing comma between the operands of cx, on line 6.
BROKEN = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0] q[1];
measure q -> c;
"""
BROKEN_LINE = 6

# The package of the marketplace's circuit app: a Bell pair.
BELL = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""

FINAL = {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}


def check(cond, what):
    if not cond:
        sys.exit(f"integrator scenario failed: {what}")


def wait_for_job(api, job_id, within=60.0):
    """Polls get_job until the job has finished (or fails the scenario)."""
    deadline = time.time() + within
    delay = 0.1
    while True:
        job = get_job.sync(client=api, id=job_id)
        check(isinstance(job, JobView), f"get job {job_id}: {job}")
        if job.status in FINAL:
            return job
        check(time.time() < deadline, f"job {job_id} still {job.status} after {within}s")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def counts_of(api, job_id):
    result = get_job_result.sync(client=api, id=job_id)
    check(not isinstance(result, Problem) and result is not None, f"result of {job_id}: {result}")
    check(str(result.job_id) == str(job_id), "the result names its job")
    return result.counts.to_dict(), result.shots


def jobs(session):
    """An integrator runs quantum circuits with a key of the jobs scopes."""
    created = create_api_key.sync(
        client=session,
        body=CreateApiKeyRequest(name="python jobs", scopes=[Scope.JOBSREAD, Scope.JOBSWRITE]),
    )
    check(not isinstance(created, Problem), f"create jobs key: {created}")
    api = AuthenticatedClient(base_url=BASE, token=created.key)

    # The backends, and the simulator among them, online.
    backends = list_backends.sync(client=api, limit=100)
    check(not isinstance(backends, Problem), f"list backends: {backends}")
    by_name = {b.name: b for b in backends.items}
    sim = by_name.get("qhub-statevector")
    check(sim is not None, f"the simulator is listed: {sorted(by_name)}")
    check(sim.status == BackendStatus.ONLINE and sim.kind == BackendKind.SIMULATOR, f"simulator {sim}")
    check(sim.qubits >= 3 and {"h", "cx"} <= set(sim.basis_gates), f"simulator shape {sim}")
    check(sim.queue.queued >= 0 and sim.queue.running >= 0, "the live queue")
    one = get_backend.sync(client=api, id=sim.id)
    check(not isinstance(one, Problem) and one.name == "qhub-statevector", f"get backend: {one}")
    quotas = get_quotas.sync(client=api)
    check(not isinstance(quotas, Problem), f"quotas: {quotas}")
    check(quotas.qubits.limit >= 3 and quotas.shots_per_job.limit >= 1000, f"quotas {quotas}")

    # The program comes from a file, as an integrator's would.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ghz.qasm"
        path.write_text(GHZ)
        program = path.read_text()

    # Submit, with an Idempotency-Key: a retried request is the same job.
    body = SubmitJobRequest(
        backend="qhub-statevector",
        program=program,
        shots=1000,
        seed=42,
        name="ghz from python",
        tags=["ghz", "python"],
    )
    key = uuid.uuid4().hex
    res = submit_job.sync_detailed(client=api, body=body, idempotency_key=key)
    check(res.status_code == 201, f"submit status {res.status_code}: {res.content!r}")
    job = res.parsed
    check(isinstance(job, JobView), f"submit parsed as {type(job)}")
    check(job.backend == "qhub-statevector" and job.backend_id == sim.id, "the job's backend")
    check((job.qubits, job.clbits, job.shots, job.seed) == (3, 3, 1000, 42), f"job shape {job}")
    check(job.gate_count == 6 and job.depth >= 3, f"gates {job.gate_count} depth {job.depth}")
    check(job.program == GHZ and job.tags == ["ghz", "python"], "program and tags as sent")
    check(job.status in {JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.COMPLETED}, f"{job.status}")
    again = submit_job.sync(client=api, body=body, idempotency_key=key)
    check(isinstance(again, JobView) and again.id == job.id, f"retry gave {again}")

    # Before it completes there is no result (a fast worker may have won).
    early = get_job_result.sync_detailed(client=api, id=job.id)
    if early.status_code == 409:
        check(early.parsed.code == "job_not_finished", f"early result: {early.parsed}")
    else:
        check(early.status_code == 200, f"early result status {early.status_code}")

    # Wait for it, read the counts: GHZ outcomes only, summing to shots.
    done = wait_for_job(api, job.id)
    check(done.status == JobStatus.COMPLETED, f"ghz ended {done.status}: {done.reason} {done.message}")
    check(done.started_at is not None and done.finished_at is not None, "times")
    check(done.queue is None, "no queue once finished")
    check(isinstance(done.usage.run_ms, int) and done.usage.shots == 1000, f"usage {done.usage}")
    counts, shots = counts_of(api, job.id)
    check(shots == 1000 and sum(counts.values()) == shots, f"counts {counts} sum to {shots}")
    check(set(counts) == {"000", "111"}, f"GHZ outcomes only: {counts}")
    check(all(n > 350 for n in counts.values()), f"about half each: {counts}")

    # A rerun (same program, seed and shots) counts the same.
    rerun = rerun_job.sync(client=api, id=job.id)
    check(isinstance(rerun, JobView) and rerun.id != job.id and rerun.seed == 42, f"rerun {rerun}")
    check(wait_for_job(api, rerun.id).status == JobStatus.COMPLETED, "rerun completed")
    check(counts_of(api, rerun.id)[0] == counts, "the same seed gives the same counts")

    # Tags are replaced; listings filter by tag and status.
    tagged = set_job_tags.sync(client=api, id=rerun.id, body=JobTagsRequest(tags=["rerun"]))
    check(isinstance(tagged, JobView) and tagged.tags == ["rerun"], f"tags {tagged}")
    listed = list_jobs.sync(client=api, tag="ghz", status=JobStatus.COMPLETED, limit=10)
    check(not isinstance(listed, Problem), f"list jobs: {listed}")
    check([j.id for j in listed.items] == [job.id], f"listed {[j.id for j in listed.items]}")
    everything = list_jobs.sync(client=api, limit=10)
    check([j.id for j in everything.items] == [rerun.id, job.id], "newest first")

    # A cancelled job (or one the worker finished first) has its final state.
    extra = submit_job.sync(
        client=api, body=SubmitJobRequest(backend=str(sim.id), program=program, shots=10)
    )
    check(isinstance(extra, JobView), f"submit by backend id: {extra}")
    cancelled = cancel_job.sync(client=api, id=extra.id)
    check(isinstance(cancelled, JobView), f"cancel: {cancelled}")
    check(cancelled.status in {JobStatus.CANCELLED, JobStatus.CANCELLING, JobStatus.COMPLETED}, f"{cancelled.status}")
    extra = wait_for_job(api, extra.id)
    if extra.status == JobStatus.CANCELLED:
        check(extra.reason == "cancelled_by_user", f"reason {extra.reason}")
        refused = get_job_result.sync(client=api, id=extra.id)
        check(isinstance(refused, Problem) and refused.code == "job_not_finished", f"{refused}")
    else:
        check(extra.status == JobStatus.COMPLETED, f"extra ended {extra.status}")

    # A program error is a 422 naming the line (and column) at fault.
    bad = submit_job.sync(
        client=api, body=SubmitJobRequest(backend="qhub-statevector", program=BROKEN, shots=10)
    )
    check(isinstance(bad, Problem), f"a broken program parsed as {type(bad)}")
    check(bad.status == 422 and bad.code == "program_invalid", f"problem {bad}")
    check(bad.line == BROKEN_LINE and isinstance(bad.column, int) and bad.column >= 1, f"at {bad}")
    check(f"line {BROKEN_LINE}" in bad.detail, f"detail {bad.detail}")

    # A key without jobs:write reads but does not submit.
    reader = create_api_key.sync(
        client=session, body=CreateApiKeyRequest(name="python reader", scopes=[Scope.JOBSREAD])
    )
    ro = AuthenticatedClient(base_url=BASE, token=reader.key)
    check(get_job.sync(client=ro, id=job.id).id == job.id, "a reader reads")
    denied = submit_job.sync(client=ro, body=body)
    check(isinstance(denied, Problem) and denied.status == 403, f"a reader submits: {denied}")

    # Statistics; then a finished job is deleted.
    stats = get_job_stats.sync(client=api)
    check(not isinstance(stats, Problem), f"stats: {stats}")
    check(stats.total == 3 and stats.counts["completed"] >= 2, f"stats {stats}")
    res = delete_job.sync_detailed(client=api, id=rerun.id)
    check(res.status_code == 204, f"delete status {res.status_code}")
    gone = get_job.sync(client=api, id=rerun.id)
    check(isinstance(gone, Problem) and gone.status == 404, f"deleted job: {gone}")
    return counts


def marketplace(provider, consumer, consumer_name):
    """A provider sells a circuit app; another organization subscribes and
    runs it with a subscription key, whose uses are counted."""
    # The provider: a circuit app, a version whose package is a Bell
    # program, uploaded and published.
    app = create_app.sync(
        client=provider,
        body=CreateAppRequest(
            name="Python Bell Pair",
            slug="bell-pair",
            type_=AppType.CIRCUIT,
            tags=["bell", "python"],
            description="A Bell pair, sold on the marketplace from Python.",
        ),
    )
    check(not isinstance(app, Problem), f"create circuit app: {app}")
    version = create_app_version.sync(
        client=provider,
        id=app.id,
        body=CreateVersionRequest(version="1.0.0", sdk=Sdk.OPENQASM2, qubits=2),
    )
    check(not isinstance(version, Problem), f"create circuit version: {version}")
    uploaded = upload_app_package.sync(
        client=provider,
        id=app.id,
        vid=version.id,
        body=File(payload=io.BytesIO(BELL.encode()), mime_type="application/octet-stream"),
    )
    check(not isinstance(uploaded, Problem), f"upload the Bell package: {uploaded}")
    published = publish_app_version.sync(client=provider, id=app.id, vid=version.id)
    check(not isinstance(published, Problem), f"publish the circuit version: {published}")

    # On the marketplace: one plan, a 14-day trial.
    plan_name = "Starter"
    res = publish_marketplace.sync_detailed(
        client=provider,
        id=app.id,
        body=PublishListingRequest(
            plans=[
                PlanInput(
                    name=plan_name,
                    price=4900,
                    currency=Currency.USD,
                    period=PlanPeriod.MONTH,
                    included_shots=10000,
                    overage_price_per_1000_shots=25,
                )
            ],
            trial_days=14,
            support_email="support@bell.example",
        ),
    )
    check(res.status_code == 201, f"publish to the marketplace {res.status_code}: {res.content!r}")
    listing = res.parsed
    check(isinstance(listing, ListingView), f"listing parsed as {type(listing)}")
    check(listing.app_id == app.id and listing.status == ListingStatus.LISTED, f"listing {listing}")
    check(listing.trial_days == 14 and listing.own, f"trial and own: {listing}")
    check(len(listing.plans) == 1, f"one plan: {listing.plans}")
    plan = listing.plans[0]
    check(
        (plan.name, plan.price, plan.currency, plan.period, plan.included_shots, plan.overage_price_per_1000_shots)
        == (plan_name, 4900, Currency.USD, PlanPeriod.MONTH, 10000, 25),
        f"the plan as offered: {plan}",
    )

    # The consumer finds it by text.
    found, cursor = None, None
    while found is None:
        kwargs = {"q": "bell pair", "currency": Currency.USD, "limit": 100}
        if cursor:
            kwargs["cursor"] = cursor
        page = search_marketplace.sync(client=consumer, **kwargs)
        check(not isinstance(page, Problem) and page is not None, f"search the marketplace: {page}")
        found = next((i for i in page.items if i.id == listing.id), None)
        cursor = page.next_cursor if isinstance(page.next_cursor, str) else None
        if not cursor:
            break
    check(found is not None, "the consumer finds the listing")
    check(not found.own and found.min_price == 4900, f"as the consumer sees it: {found}")
    check([p.id for p in found.plans] == [plan.id], f"the plans found: {found.plans}")

    # Subscribe; a second live subscription is a conflict.
    res = subscribe.sync_detailed(
        client=consumer, listing_id=listing.id, body=SubscribeRequest(plan=plan.id)
    )
    check(res.status_code == 201, f"subscribe {res.status_code}: {res.content!r}")
    sub = res.parsed
    check(isinstance(sub, SubscriptionView), f"subscription parsed as {type(sub)}")
    check(sub.state == SubscriptionState.ACTIVE and sub.plan.id == plan.id, f"subscription {sub}")
    check(sub.listing_id == listing.id and sub.app_id == app.id, f"subscribed to {sub}")
    again = subscribe.sync_detailed(
        client=consumer, listing_id=listing.id, body=SubscribeRequest(plan=plan.id)
    )
    check(again.status_code == 409, f"second subscribe {again.status_code}: {again.content!r}")
    check(
        isinstance(again.parsed, Problem) and again.parsed.status == 409 and again.parsed.code == "conflict",
        f"second subscribe: {again.parsed}",
    )

    # A subscription key with 5 uses; it goes in X-API-Key.
    def new_key(name, uses):
        made = create_subscription_key.sync(
            client=consumer, id=sub.id, body=CreateKeyRequest(name=name, remaining_usage_count=uses)
        )
        check(not isinstance(made, Problem) and made is not None, f"create key {name}: {made}")
        check(made.key.startswith("qh_sub_") and made.remaining_usage_count == uses, f"key {name}: {made}")
        client = AuthenticatedClient(
            base_url=BASE, token=made.key, prefix="", auth_header_name="X-API-Key"
        )
        return made, client

    def remaining(key_id):
        keys = list_subscription_keys.sync(client=consumer, id=sub.id, limit=200)
        check(not isinstance(keys, Problem) and keys is not None, f"list keys: {keys}")
        check(all("key" not in k.to_dict() for k in keys.items), "the listing never shows a secret")
        mine = [k for k in keys.items if k.id == key_id]
        check(len(mine) == 1, f"key {key_id} listed: {[k.id for k in keys.items]}")
        return mine[0].remaining_usage_count

    made, keyed = new_key("python ci", 5)
    uses = 0
    res = submit_job.sync_detailed(
        client=keyed,
        body=SubmitJobRequest(
            backend="qhub-statevector", app_version_id=version.id, shots=500, seed=7, name="bell by key"
        ),
    )
    uses += 1
    check(res.status_code == 201, f"submit with the key {res.status_code}: {res.content!r}")
    job = res.parsed
    check(isinstance(job, JobView) and job.app_version_id == version.id, f"keyed job {job}")
    check(job.shots == 500 and job.qubits == 2, f"keyed job shape {job}")

    # Poll with the key until it completes: 5 uses are the submit, 3 polls
    # at most (spread over 13 s, a busy shared queue included) and the result.
    delay, status = 1.0, job.status
    while status not in FINAL:
        check(uses < 4, f"job {job.id} still {status} after {uses - 1} polls")
        time.sleep(delay)
        delay *= 3
        polled = get_job.sync(client=keyed, id=job.id)
        uses += 1
        check(isinstance(polled, JobView), f"poll with the key: {polled}")
        status = polled.status
    check(status == JobStatus.COMPLETED, f"keyed job ended {status}")
    counts, shots = counts_of(keyed, job.id)
    uses += 1
    check(shots == 500 and sum(counts.values()) == shots, f"counts {counts} sum to {shots}")
    check(set(counts) == {"00", "11"}, f"Bell outcomes only: {counts}")

    # Every request the key made was one use.
    left = remaining(made.id)
    check(left == 5 - uses, f"{uses} key requests: {left} uses left of 5")

    # A key with one use: it works once, then it is exhausted.
    _, once = new_key("python once", 1)
    first = get_job.sync(client=once, id=job.id)
    check(isinstance(first, JobView) and first.id == job.id, f"the one use: {first}")
    second = get_job.sync_detailed(client=once, id=job.id)
    check(second.status_code == 403, f"after its one use {second.status_code}: {second.content!r}")
    check(
        isinstance(second.parsed, Problem) and second.parsed.code == "subscription_key_exhausted",
        f"after its one use: {second.parsed}",
    )

    # A key is not a member: the users are forbidden to it.
    _, other = new_key("python users", 5)
    users = list_users.sync_detailed(client=other)
    check(users.status_code == 403, f"users with a key {users.status_code}: {users.content!r}")
    check(
        isinstance(users.parsed, Problem) and users.parsed.code == "forbidden",
        f"users with a key: {users.parsed}",
    )

    # The provider sees the subscriber: its name, state and plan, nothing more.
    subs = list_subscribers.sync(client=provider, id=app.id)
    check(not isinstance(subs, Problem) and subs is not None, f"subscribers: {subs}")
    check(len(subs.items) == 1, f"one subscriber: {subs.items}")
    one = subs.items[0]
    check(one.id == sub.id and one.name == consumer_name, f"the subscriber: {one}")
    check(one.state == SubscriptionState.ACTIVE, f"subscriber state {one.state}")
    check(one.plan.id == plan.id and one.plan.name == plan_name, f"subscriber plan {one.plan}")
    check(
        set(one.to_dict()) == {"id", "name", "plan", "state", "since"},
        f"nothing more of the consumer: {sorted(one.to_dict())}",
    )
    return counts


def main():
    slug = "py-" + uuid.uuid4().hex[:10]
    public = Client(base_url=BASE, raise_on_unexpected_status=True)

    # 1. An owner signs the organization up (public endpoint: plain Client).
    res = signup.sync_detailed(
        client=public,
        body=SignupRequest(
            name="Python Integrators",
            slug=slug,
            owner_email=f"owner@{slug}.test",
            owner_password="correct horse battery",
            owner_name="Guido",
        ),
    )
    check(res.status_code == 201, f"signup status {res.status_code}: {res.content!r}")
    owner = res.parsed
    check(isinstance(owner, SignupResponse), f"signup parsed as {type(owner)}")
    check(owner.tenant.slug == slug and owner.user.role == Role.OWNER, "signup body")

    # 2. With the owner's session, create an API key for the integration.
    session = AuthenticatedClient(base_url=BASE, token=owner.access_token)
    me = get_me.sync(client=session)
    check(me.user.email == f"owner@{slug}.test", "me")
    created = create_api_key.sync(
        client=session,
        body=CreateApiKeyRequest(
            name="python integration",
            # Everything an admin holds: a key can only grant roles whose
            # scopes it carries itself.
            scopes=[s for s in Scope],
        ),
    )
    check(not isinstance(created, Problem), f"create key: {created}")
    check(created.key.startswith("qh_live_"), "the secret is returned once")
    keys = list_api_keys.sync(client=session)
    check([k.id for k in keys.items] == [created.id], "the key is listed")
    check(all("key" not in k.to_dict() for k in keys.items), "the listing never shows the secret")

    # From here on the integration authenticates with the key only.
    api = AuthenticatedClient(base_url=BASE, token=created.key)

    # 3. Create users; a bad one comes back as a typed Problem.
    emails = [f"dev{i}@{slug}.test" for i in range(3)]
    ids = []
    for email in emails:
        user = create_user.sync(
            client=api,
            body=CreateUserRequest(
                email=email, name="Dev", password="a long enough password", role=Role.DEVELOPER
            ),
        )
        check(not isinstance(user, Problem), f"create {email}: {user}")
        check(user.email == email and user.role == Role.DEVELOPER, f"created {email}")
        ids.append(user.id)
    bad = create_user.sync(
        client=api,
        body=CreateUserRequest(email="not-an-email", name="X", password="short", role=Role.VIEWER),
    )
    check(isinstance(bad, Problem), f"bad input parsed as {type(bad)}")
    check(bad.status == 422 and bad.code == "validation_failed", f"problem {bad}")
    fields = {e.field for e in bad.errors}
    check({"email", "password"} <= fields, f"field errors {fields}")

    # 4. List users page by page (limit 2): owner + 3 developers, no repeats.
    seen, cursor = [], None
    while True:
        kwargs = {"limit": 2}
        if cursor:
            kwargs["cursor"] = cursor
        page = list_users.sync(client=api, **kwargs)
        check(not isinstance(page, Problem), f"list users: {page}")
        check(len(page.items) <= 2, "page size")
        seen += [u.email for u in page.items]
        cursor = page.next_cursor if isinstance(page.next_cursor, str) else None
        if not cursor:
            break
    check(sorted(seen) == sorted(emails + [f"owner@{slug}.test"]), f"listed {seen}")
    one = get_user.sync(client=api, id=ids[0])
    check(one.email == emails[0], "get user")

    # 5. The audit log shows what the key did, attributed to the key.
    audit = list_audit_events.sync(client=api, action=AuditActionFilter.USER_CREATED, limit=50)
    check(not isinstance(audit, Problem), f"audit: {audit}")
    targets = {e.target_id for e in audit.items}
    check({str(i) for i in ids} <= targets, f"audit targets {targets}")
    check(all(e.actor_type == "api_key" for e in audit.items), "actor is the key")
    check(all(str(e.actor_id) == str(created.id) for e in audit.items), "actor id")

    # 6. Usage: the calls above are metered (ClickHouse, flushed in batches).
    now = dt.datetime.now(dt.UTC)
    frm = now - dt.timedelta(hours=1)
    to = now + dt.timedelta(hours=1)
    deadline = time.time() + 20
    while True:
        summary = get_usage_summary.sync(client=api, from_=frm, to=to)
        check(not isinstance(summary, Problem), f"usage summary: {summary}")
        # signup, me, key create/list, 3+1 user creates, pages, get, audit.
        if summary.requests >= 10 or time.time() > deadline:
            break
        time.sleep(0.3)
    check(summary.requests >= 10, f"usage requests {summary.requests}")
    check(summary.errors_4xx >= 1, f"the 422 is counted: {summary}")
    series = get_usage_timeseries.sync(client=api, from_=frm, to=to, interval=Interval.HOUR)
    check(not isinstance(series, Problem), f"timeseries: {series}")
    check(sum(b.requests for b in series.buckets) >= summary.requests - 5, "series sums")
    wrong = get_usage_summary.sync(client=api, from_=to, to=frm)
    check(isinstance(wrong, Problem) and wrong.status == 422, f"reversed range: {wrong}")

    # 7. Apps: create an app and a version, upload its package, publish both.
    app = create_app.sync(
        client=api,
        body=CreateAppRequest(
            name="Python Phase Estimation",
            slug="phase-estimation",
            type_=AppType.ALGORITHM,
            visibility=Visibility.PUBLIC,
            license_="MIT",
            tags=["phase-estimation", "python"],
            description="Quantum phase estimation, packaged from Python.",
        ),
    )
    check(not isinstance(app, Problem), f"create app: {app}")
    version = create_app_version.sync(
        client=api,
        id=app.id,
        body=CreateVersionRequest(version="1.0.0", sdk=Sdk.OPENQASM2, qubits=4),
    )
    check(not isinstance(version, Problem), f"create version: {version}")
    package = bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256(package).hexdigest()
    uploaded = upload_app_package.sync(
        client=api,
        id=app.id,
        vid=version.id,
        body=File(payload=io.BytesIO(package), mime_type="application/octet-stream"),
    )
    check(not isinstance(uploaded, Problem), f"upload: {uploaded}")
    check(uploaded.package.sha256 == digest and uploaded.package.size == len(package), "stored digest")
    published = publish_app_version.sync(client=api, id=app.id, vid=version.id)
    check(not isinstance(published, Problem) and published.is_latest, f"publish version: {published}")
    listed = publish_app_to_registry.sync(client=api, id=app.id)
    check(not isinstance(listed, Problem) and listed.in_registry, f"publish to registry: {listed}")

    # 8. Another organization's client finds it (misspelled), downloads it
    # and checks the digest.
    other_slug = "py-" + uuid.uuid4().hex[:10]
    other = signup.sync(
        client=public,
        body=SignupRequest(
            name="Python Consumers",
            slug=other_slug,
            owner_email=f"owner@{other_slug}.test",
            owner_password="correct horse battery",
            owner_name="Ada",
        ),
    )
    consumer = AuthenticatedClient(base_url=BASE, token=other.access_token)
    found = search_registry.sync(client=consumer, q="phase estimaton", limit=50)
    check(not isinstance(found, Problem), f"search: {found}")
    check(app.id in [i.id for i in found.items], "the app is found despite the typo")
    page = get_registry_app.sync(client=consumer, app_id=app.id)
    check([v.version for v in page.versions] == ["1.0.0"] and page.versions[0].sha256 == digest, "registry page")
    res = download_registry_app.sync_detailed(
        client=consumer, app_id=app.id, body=DownloadRequest(version="1.0.0")
    )
    check(res.status_code == 200, f"download status {res.status_code}")
    got = res.content
    check(hashlib.sha256(got).hexdigest() == digest, "downloaded bytes match the digest")
    check(res.headers["etag"] == f'"{digest}"', f"etag {res.headers.get('etag')}")
    b64 = base64.b64encode(hashlib.sha256(got).digest()).decode()
    check(res.headers["repr-digest"] == f"sha-256=:{b64}:", "Repr-Digest")

    # 9. Quantum jobs.
    counts = jobs(session)

    # 10. The marketplace: the consumer subscribes to the provider's circuit
    # app and runs it with a subscription key.
    bell = marketplace(api, consumer, "Python Consumers")

    print(
        f"integrator scenario passed: tenant {slug}, {summary.requests} requests metered, "
        f"GHZ counts {counts}, Bell counts by subscription key {bell}"
    )


if __name__ == "__main__":
    main()
