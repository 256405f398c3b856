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
import time
import uuid

from qhub_client import AuthenticatedClient, Client
from qhub_client.api.apps import (
    create_app,
    create_app_version,
    publish_app_to_registry,
    publish_app_version,
    upload_app_package,
)
from qhub_client.api.registry import download_registry_app, get_registry_app, search_registry
from qhub_client.api.api_keys import create_api_key, list_api_keys
from qhub_client.api.audit import list_audit_events
from qhub_client.models.audit_action_filter import AuditActionFilter
from qhub_client.api.auth import get_me
from qhub_client.api.tenants import signup
from qhub_client.api.usage import get_usage_summary, get_usage_timeseries
from qhub_client.api.users import create_user, get_user, list_users
from qhub_client.types import File
from qhub_client.models import (
    AppType,
    CreateAppRequest,
    CreateVersionRequest,
    DownloadRequest,
    Sdk,
    Visibility,
    CreateApiKeyRequest,
    CreateUserRequest,
    Interval,
    Problem,
    Role,
    Scope,
    SignupRequest,
    SignupResponse,
)

BASE = os.environ["QHUB_API_URL"]


def check(cond, what):
    if not cond:
        sys.exit(f"integrator scenario failed: {what}")


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
    now = dt.datetime.now(dt.timezone.utc)
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

    print(f"integrator scenario passed: tenant {slug}, {summary.requests} requests metered")


if __name__ == "__main__":
    main()
