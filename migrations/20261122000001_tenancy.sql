-- Tenancy foundation: tenants and users, isolated by row-level security.
--
-- Runs as the owner role (qhub_owner). The server connects as qhub_app, which
-- is neither superuser nor table owner nor BYPASSRLS, so the policies below
-- bind it. Both roles are created by scripts/services.sh (or by a DBA in
-- production) before the first migration.

CREATE SCHEMA IF NOT EXISTS app;

-- The tenant of the current transaction, or NULL when none is set. Every
-- policy compares against this, so a query with no tenant context matches no
-- row (fail closed). `true` = missing_ok: an unset setting yields NULL, not an
-- error; an empty string (what RESET leaves behind) is NULL too.
CREATE FUNCTION app.current_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION app.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    slug        text NOT NULL UNIQUE
                CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb
                CHECK (jsonb_typeof(settings) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;

-- A tenant sees and writes only its own row. Signup works through this same
-- policy: the server generates the new tenant's id, sets it as the context,
-- then inserts the row (WITH CHECK passes).
CREATE POLICY tenant_isolation ON tenants
    USING (id = (SELECT app.current_tenant_id()))
    WITH CHECK (id = (SELECT app.current_tenant_id()));

-- The owner role (and so the SECURITY DEFINER function below, which runs as
-- it) may read every tenant row. This policy names qhub_owner only: it opens
-- nothing to the server's role.
CREATE POLICY owner_lookup ON tenants FOR SELECT TO qhub_owner USING (true);

CREATE TABLE users (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email              text NOT NULL CHECK (email = lower(email) AND char_length(email) <= 254),
    password_hash      text NOT NULL,
    name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    role               text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
    is_active          boolean NOT NULL DEFAULT true,
    email_verified_at  timestamptz,
    last_login_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, email)
);

-- Lists page by (tenant, id); ids are time-ordered UUIDv7.
CREATE INDEX users_tenant_id_id ON users (tenant_id, id);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON users
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

-- The one lookup that must happen before the tenant is known: login names
-- its tenant by slug. A narrow SECURITY DEFINER function returns only the id
-- for an exact slug; it cannot list tenants or read any other column.
CREATE FUNCTION app.tenant_id_by_slug(p_slug text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT id FROM public.tenants WHERE slug = p_slug $$;

REVOKE ALL ON FUNCTION app.tenant_id_by_slug(text) FROM PUBLIC;

GRANT USAGE ON SCHEMA app TO qhub_app;
GRANT EXECUTE ON FUNCTION app.current_tenant_id() TO qhub_app;
GRANT EXECUTE ON FUNCTION app.current_user_id() TO qhub_app;
GRANT EXECUTE ON FUNCTION app.tenant_id_by_slug(text) TO qhub_app;

-- Tenants are never deleted by the server; users are.
GRANT SELECT, INSERT, UPDATE ON tenants TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO qhub_app;
