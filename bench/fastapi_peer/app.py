"""A FastAPI peer of QHub's hot path, for bench/hot_path.sh.

`GET /v1/users?limit=50` with `Authorization: Bearer <access JWT>` does,
per request, what QHub does on that path (as of commit 253bdab), against
the same Postgres database (as `qhub_app`, under RLS) and the same Redis:

1. verifies the access JWT as `Tokens::verify_access` does
   (core/src/identity/tokens.rs: HS256, issuer "qhub", 5 s leeway, claims
   sub/tid/sid UUIDs, iat/exp integers, a token with `aud` refused);
2. counts the request, checks the session and reads the cached role in one
   Redis round trip, QHub's `SESSION_HIT` script
   (core/src/platform/ratelimit.rs, `RateLimiter::hit_as_session`): the
   counter `qhub:rl:api:user:<sub>` (as `HIT`), the session hash
   `qhub:sess:<sid>` (`last_seen` written when 30 s stale, as
   `SessionStore::touch`), the role entry `qhub:cache:user:<sub>`; 429 over
   the limit. A token that does not verify is counted on
   `qhub:rl:auth-ip:<ip>` (`HIT`, `charge_for`) and refused (401);
3. the session must be live and name the token's tenant and user
   (`Credential` extractor, core/src/identity/extract.rs), else 401;
4. opens the tenant transaction in one round trip (`BEGIN; SELECT
   set_config('app.tenant_id', …, true), set_config('app.user_id', …,
   true)`, `tenancy::begin`), then takes the role as `current_role` does:
   the `role:version` entry read in 2 (none cached: `GET` it again), else
   the users row, cached with `SET NX EX` (`Cache::fill_versioned`);
   owner or admin only (`Scope::UsersRead`), else 403;
5. lists `limit + 1` users after the cursor, ordered by id, in that
   transaction, commits, and answers `{"items": [...], "next_cursor":
   "c1<32 hex>" | null}` (`list_users`, `Page::from_rows`). (QHub's
   handler drops its transaction instead: sqlx sends the ROLLBACK when the
   connection returns to the pool, after the handler has returned.)

With PEER_REDIS=separate, step 2 takes the three round trips QHub made
before 253bdab: `HIT`, then `TOUCH` (`SessionStore::touch`), then a `GET`
of the role entry inside the transaction.

Postgres is reached over plain TCP like QHub's sqlx, which is built
without TLS, and a connection going back to the pool gets no reset query
(see `_no_session_reset`). API keys are not supported (401).

Configuration (environment):
  APP_DATABASE_URL     Postgres URL (default qhub_app on qhub_test)
  REDIS_URL            default redis://127.0.0.1:6379/0 (as QHub)
  JWT_SECRET           required, QHub's secret (at least 32 characters)
  DB_MAX_CONNECTIONS   Postgres connections in all (default 32); each of
                       the WEB_CONCURRENCY worker processes opens its
                       share, ceil(DB_MAX_CONNECTIONS / WEB_CONCURRENCY)
  WEB_CONCURRENCY      uvicorn's worker count (also read by uvicorn)
  REDIS_MAX_CONNECTIONS  per worker (default 64)
  RATE_LIMIT_API       <count>/<seconds>, default 1200/60 (as QHub)
  RATE_LIMIT_AUTH_IP   <count>/<seconds>, default 30/60 (as QHub)
  CACHE_TTL_SECS       role cache entry lifetime, default 60 (as QHub)
  PEER_REDIS           combined (default: one round trip, as QHub) or
                       separate (three, as QHub before 253bdab)
"""

from __future__ import annotations

import math
import os
import time
import uuid
from contextlib import asynccontextmanager

import asyncpg
import jwt
import orjson
import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.responses import Response

# --------------------------------------------------------------- settings


def _limit(name: str, default: str) -> tuple[int, int]:
    count, secs = os.environ.get(name, default).split("/", 1)
    return int(count), int(secs)


DATABASE_URL = os.environ.get(
    "APP_DATABASE_URL", "postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_test"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
JWT_SECRET = os.environ["JWT_SECRET"].encode()
if len(JWT_SECRET) < 32:
    raise SystemExit("JWT_SECRET must be at least 32 characters")
WORKERS = max(1, int(os.environ.get("WEB_CONCURRENCY", "1")))
DB_TOTAL = int(os.environ.get("DB_MAX_CONNECTIONS", "32"))
DB_POOL = max(1, math.ceil(DB_TOTAL / WORKERS))
REDIS_POOL = int(os.environ.get("REDIS_MAX_CONNECTIONS", "64"))
API_LIMIT, API_WINDOW = _limit("RATE_LIMIT_API", "1200/60")
AUTH_IP_LIMIT, AUTH_IP_WINDOW = _limit("RATE_LIMIT_AUTH_IP", "30/60")
CACHE_TTL = max(1, int(os.environ.get("CACHE_TTL_SECS", "60")))
REDIS_MODE = os.environ.get("PEER_REDIS", "combined")
if REDIS_MODE not in ("combined", "separate"):
    raise SystemExit("PEER_REDIS must be combined or separate")

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
ISSUER = "qhub"
KEY_PREFIX = "qh_live_"
ROLES = frozenset(("owner", "admin", "developer", "viewer"))
USERS_READ_ROLES = frozenset(("owner", "admin"))
# sessions::SEEN_EVERY_SECS: how stale `last_seen` may get.
SEEN_EVERY_SECS = 30

# ------------------------------------------------------ QHub's Lua scripts

# core/src/platform/ratelimit.rs, HIT (verbatim).
HIT = r"""
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""

# core/src/platform/ratelimit.rs, SESSION_HIT (verbatim).
# KEYS: rate-limit counter, session hash, role cache entry.
# ARGV: window ms, now (s), seconds between `last_seen` writes.
SESSION_HIT = r"""
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local s = redis.call('HMGET', KEYS[2], 'tid', 'uid', 'last_seen')
if s[1] and s[2] and tonumber(ARGV[2]) - (tonumber(s[3]) or 0) >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[2], 'last_seen', ARGV[2])
end
return {n, ttl, s[1] or false, s[2] or false, redis.call('GET', KEYS[3]) or false}
"""

# core/src/identity/sessions.rs, TOUCH (verbatim), for PEER_REDIS=separate.
TOUCH = r"""
local s = redis.call('HMGET', KEYS[1], 'tid', 'uid', 'last_seen')
if not s[1] or not s[2] then return false end
if tonumber(ARGV[1]) - (tonumber(s[3]) or 0) >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
end
return {s[1], s[2]}
"""

LIST_USERS = """SELECT id, email, name, role, is_active, email_verified_at,
                  last_login_at, created_at, updated_at
           FROM users
           WHERE ($1::uuid IS NULL OR id > $1)
           ORDER BY id
           LIMIT $2"""

ROLE_ROW = "SELECT role, is_active, access_version FROM users WHERE id = $1"

# ------------------------------------------------------------- resources

state: dict = {}


async def _uuid_as_text(conn: asyncpg.Connection) -> None:
    # UUIDs cross as their text form: no parsing into uuid.UUID and back
    # for the 50 ids of every page.
    await conn.set_type_codec(
        "uuid", schema="pg_catalog", encoder=str, decoder=str, format="text"
    )


async def _no_session_reset(conn: asyncpg.Connection) -> None:
    # On release asyncpg has already rolled back any open transaction;
    # like sqlx (QHub's pool) nothing else is reset: the tenant context is
    # transaction-local (set_config(..., true)), so there is none to clear.
    return None


@asynccontextmanager
async def lifespan(app: FastAPI):
    state["db"] = await asyncpg.create_pool(
        DATABASE_URL,
        min_size=DB_POOL,
        max_size=DB_POOL,
        init=_uuid_as_text,
        reset=_no_session_reset,
        # QHub's sqlx is built without TLS: plain TCP, unless the URL asks.
        ssl=None if "sslmode=" in DATABASE_URL else False,
    )
    pool = aioredis.ConnectionPool.from_url(
        REDIS_URL, max_connections=REDIS_POOL, decode_responses=True
    )
    r = aioredis.Redis(connection_pool=pool)
    state["redis"] = r
    state["hit"] = r.register_script(HIT)
    state["session_hit"] = r.register_script(SESSION_HIT)
    state["touch"] = r.register_script(TOUCH)
    try:
        yield
    finally:
        await state["db"].close()
        await r.aclose()
        await pool.aclose()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

# ---------------------------------------------------------------- helpers


def problem(
    status: int,
    title: str,
    detail: str,
    headers: dict | None = None,
    errors: list | None = None,
) -> Response:
    doc = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        doc["errors"] = errors
    body = orjson.dumps(doc)
    return Response(
        body, status, headers=headers, media_type="application/problem+json"
    )


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization")
    if value is None or " " not in value:
        return None
    scheme, token = value.split(" ", 1)
    return token.strip() if scheme.lower() == "bearer" else None


def verify_access(token: str) -> dict | None:
    """`Tokens::verify_access`: HS256, iss "qhub", exp with 5 s leeway,
    the Claims fields present and well-typed, no audience."""
    try:
        c = jwt.decode(
            token,
            JWT_SECRET,
            algorithms=["HS256"],
            issuer=ISSUER,
            leeway=5,
            # jsonwebtoken checks neither iat nor nbf by default.
            options={
                "require": ["exp", "iss"],
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
        if not (type(c.get("exp")) is int and type(c.get("iat")) is int):
            return None
        return {
            "sub": uuid.UUID(c["sub"]),
            "tid": uuid.UUID(c["tid"]),
            "sid": uuid.UUID(c["sid"]),
        }
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError, AttributeError):
        return None


def as_uuid(s) -> uuid.UUID | None:
    try:
        return uuid.UUID(s)
    except (TypeError, ValueError, AttributeError):
        return None


def decision(count, ttl_ms, limit: int) -> tuple[bool, dict]:
    """`ratelimit::decision`: allowed or not, and the RateLimit-* headers."""
    headers = {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(max(0, limit - int(count))),
        # Rounded up, at least 1 s.
        "ratelimit-reset": str(max(1, -(-int(ttl_ms) // 1000))),
    }
    return int(count) <= limit, headers


async def hit(
    bucket: str, identity: str, limit: int, window_secs: int
) -> tuple[bool, dict]:
    """`RateLimiter::hit` + `check`."""
    count, ttl_ms = await state["hit"](
        keys=[f"qhub:rl:{bucket}:{identity}"], args=[window_secs * 1000]
    )
    return decision(count, ttl_ms, limit)


def decode_cursor(s: str) -> str | None:
    rest = s[2:] if s.startswith("c1") else None
    if (
        rest is None
        or len(rest) != 32
        or any(ch not in "0123456789abcdef" for ch in rest)
    ):
        return None
    return str(uuid.UUID(rest))


def too_many(rl: dict) -> Response:
    rl["retry-after"] = rl["ratelimit-reset"]
    return problem(429, "Too Many Requests", "Too many requests.", rl)


# ----------------------------------------------------------------- routes


@app.get("/health/live")
async def live() -> Response:
    # The worker's pid: the bench waits until it has heard from every
    # worker, so none joins the load late.
    return Response(
        orjson.dumps({"status": "ok", "pid": os.getpid()}),
        media_type="application/json",
    )


@app.get("/v1/users")
async def list_users(
    request: Request, limit: str | None = None, cursor: str | None = None
) -> Response:
    # 1. Which budget the request is charged to (`charge_for`): a verified
    # access token's user, else the client IP's auth budget.
    if "x-api-key" in request.headers:
        return problem(401, "Unauthorized", "the FastAPI peer takes access tokens only")
    token = bearer(request)
    if token is not None and token.startswith(KEY_PREFIX):
        return problem(401, "Unauthorized", "the FastAPI peer takes access tokens only")
    claims = verify_access(token) if token is not None else None
    if claims is None:
        ip = request.client.host if request.client else ""
        allowed, rl = await hit("auth-ip", ip, AUTH_IP_LIMIT, AUTH_IP_WINDOW)
        if not allowed:
            return too_many(rl)
        detail = (
            "missing credentials: send a bearer token or an X-API-Key"
            if token is None
            else "invalid or expired access token"
        )
        return problem(401, "Unauthorized", detail, rl)

    # 2. The count, the session and the cached role.
    sub, sid = claims["sub"], claims["sid"]
    rl_key = f"qhub:rl:api:user:{sub}"
    sess_key = f"qhub:sess:{sid}"
    role_key = f"qhub:cache:user:{sub}"
    now = int(time.time())
    if REDIS_MODE == "combined":
        count, ttl_ms, tid, uid, entry = await state["session_hit"](
            keys=[rl_key, sess_key, role_key],
            args=[API_WINDOW * 1000, now, SEEN_EVERY_SECS],
        )
        allowed, rl = decision(count, ttl_ms, API_LIMIT)
        if not allowed:
            return too_many(rl)
        owner = (tid, uid)
    else:
        allowed, rl = await hit("api", f"user:{sub}", API_LIMIT, API_WINDOW)
        if not allowed:
            return too_many(rl)
        owner = await state["touch"](keys=[sess_key], args=[now, SEEN_EVERY_SECS])
        entry = None

    # 3. The session must be live and name the token's tenant and user.
    if not (
        owner
        and len(owner) == 2
        and as_uuid(owner[0]) == claims["tid"]
        and as_uuid(owner[1]) == sub
    ):
        return problem(401, "Unauthorized", "session has ended", rl)

    tenant, user = str(claims["tid"]), str(sub)
    r = state["redis"]
    async with state["db"].acquire() as conn:
        # 4. `tenancy::begin`: BEGIN and both set_config in one simple query.
        await conn.execute(
            f"BEGIN; SELECT set_config('app.tenant_id', '{tenant}', true), "
            f"set_config('app.user_id', '{user}', true)"
        )
        # `current_role`: the cached `role:version`, else the row.
        if entry is None:
            entry = await r.get(role_key)
        role = None
        if entry is not None:
            value, sep, version = entry.rpartition(":")
            if sep and version.isdigit():
                role = value
        if role is None:
            row = await conn.fetchrow(ROLE_ROW, user)
            if row is None:
                role, version = "inactive", 0
            else:
                role = row["role"] if row["is_active"] else "inactive"
                version = row["access_version"]
            await r.set(role_key, f"{role}:{version}", nx=True, ex=CACHE_TTL)
        if role not in ROLES:
            await conn.execute("ROLLBACK")
            return problem(401, "Unauthorized", "user is not active", rl)
        if role not in USERS_READ_ROLES:
            await conn.execute("ROLLBACK")
            return problem(403, "Forbidden", f"the {role} role may not do this", rl)

        # 5. `PageQuery::validate`, the list, COMMIT.
        try:
            n = DEFAULT_LIMIT if limit is None else int(limit)
        except ValueError:
            n = 0
        after = None
        bad = []
        if not 1 <= n <= MAX_LIMIT:
            bad.append(
                {"field": "limit", "message": f"must be between 1 and {MAX_LIMIT}"}
            )
        if cursor:
            after = decode_cursor(cursor)
            if after is None:
                bad.append(
                    {"field": "cursor", "message": "is not a cursor issued by this API"}
                )
        if bad:
            await conn.execute("ROLLBACK")
            return problem(
                422, "Unprocessable Entity", "the request is not valid", rl, bad
            )

        rows = await conn.fetch(LIST_USERS, after, n + 1)
        await conn.execute("COMMIT")
        # An error above releases the connection with the transaction open:
        # asyncpg rolls it back on release, as sqlx does when QHub's
        # transaction is dropped.

    items = [dict(row) for row in rows]
    next_cursor = None
    if len(items) > n:
        del items[n:]
        next_cursor = "c1" + items[-1]["id"].replace("-", "")
    body = orjson.dumps(
        {"items": items, "next_cursor": next_cursor}, option=orjson.OPT_UTC_Z
    )
    return Response(body, headers=rl, media_type="application/json")
