-- Integrator and admin access: API keys, invitations, one-time user tokens
-- (email verification, password reset), the email outbox and the audit log.
-- Every table holds tenant data, so every table has RLS enabled and forced
-- with the same tenant policy as users.

-- Bumped on every change of a user's role or active flag, under the row
-- lock: the Redis role cache keeps the version next to the role and never
-- lets an older write replace a newer one.
ALTER TABLE users ADD COLUMN access_version bigint NOT NULL DEFAULT 0;

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    -- `qh_live_` plus the first characters of the secret: enough to tell
    -- keys apart in a listing, far too little to guess the rest.
    prefix        text NOT NULL,
    -- SHA-256 of the whole key. The key has 256 bits of entropy, so a fast
    -- hash is enough; the key itself is never stored.
    secret_hash   bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
    scopes        text[] NOT NULL,
    created_by    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_tenant_id_id ON api_keys (tenant_id, id);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

-- An API key names no tenant, so authenticating one needs a lookup before
-- the tenant is known. Like tenant_id_by_slug this is one narrow SECURITY
-- DEFINER function: exact hash in, that key's row out, nothing to list.
CREATE FUNCTION app.api_key_by_hash(p_hash bytea)
    RETURNS TABLE (id uuid, tenant_id uuid, created_by uuid, scopes text[],
                   expires_at timestamptz, revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT k.id, k.tenant_id, k.created_by, k.scopes, k.expires_at, k.revoked_at
          FROM public.api_keys k WHERE k.secret_hash = p_hash $$;
REVOKE ALL ON FUNCTION app.api_key_by_hash(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.api_key_by_hash(bytea) TO qhub_app;
CREATE POLICY owner_lookup ON api_keys FOR SELECT TO qhub_owner USING (true);

CREATE TABLE invitations (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email        text NOT NULL CHECK (email = lower(email) AND char_length(email) <= 254),
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_tenant_id_id ON invitations (tenant_id, id);
-- One open invitation per address and tenant.
CREATE UNIQUE INDEX invitations_open_email ON invitations (tenant_id, email)
    WHERE accepted_at IS NULL;

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

-- Single-use tokens mailed to a user: email verification and password reset.
CREATE TABLE user_tokens (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    token_hash  bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX user_tokens_user ON user_tokens (tenant_id, user_id, purpose);

ALTER TABLE user_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_tokens
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

-- Mail to send, written in the same transaction as what it announces, so an
-- SMTP failure can never lose an invitation: a background sender retries
-- with backoff until the message is delivered.
CREATE TABLE email_outbox (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    to_addr          text NOT NULL,
    subject          text NOT NULL,
    -- Holds a one-time token until sent; blanked on delivery.
    body             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    -- Set when the sender gives up (permanent failure or too many attempts).
    failed_at        timestamptz,
    last_error       text
);
CREATE INDEX email_outbox_pending ON email_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

ALTER TABLE email_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON email_outbox
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY owner_sender ON email_outbox TO qhub_owner USING (true) WITH CHECK (true);

-- The sender works across tenants, so it goes through these three narrow
-- functions instead of a policy open to the server's role. `outbox_next`
-- locks one due message (FOR UPDATE SKIP LOCKED) in the caller's
-- transaction, which stays open while the message is sent and is committed
-- with its outcome. Replicas never send one message at once, and a sender
-- that dies mid-send rolls back and frees the message at once (at worst it
-- is sent twice; never lost).
CREATE FUNCTION app.outbox_next()
    RETURNS TABLE (id uuid, to_addr text, subject text, body text, attempts integer)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    UPDATE public.email_outbox o
       SET attempts = o.attempts + 1
     WHERE o.id = (SELECT e.id FROM public.email_outbox e
                    WHERE e.sent_at IS NULL AND e.failed_at IS NULL
                      AND e.next_attempt_at <= now()
                    ORDER BY e.next_attempt_at
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
    RETURNING o.id, o.to_addr, o.subject, o.body, o.attempts $$;

CREATE FUNCTION app.outbox_sent(p_id uuid) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.email_outbox SET sent_at = now(), body = '', last_error = NULL
          WHERE id = p_id $$;

-- Backoff doubles per attempt, capped at an hour. A permanent failure, or
-- the 12th failed attempt (about a day of retries), gives up: the message
-- is marked failed and its body (holding a token) blanked.
CREATE FUNCTION app.outbox_failed(p_id uuid, p_error text, p_permanent boolean) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.email_outbox
             SET last_error = left(p_error, 500),
                 failed_at = CASE WHEN p_permanent OR attempts >= 12 THEN now() END,
                 body = CASE WHEN p_permanent OR attempts >= 12 THEN '' ELSE body END,
                 next_attempt_at = now() + least(interval '1 hour',
                                   interval '1 second' * power(2, least(attempts, 12)))
           WHERE id = p_id $$;

REVOKE ALL ON FUNCTION app.outbox_next() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.outbox_sent(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.outbox_failed(uuid, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.outbox_next() TO qhub_app;
GRANT EXECUTE ON FUNCTION app.outbox_sent(uuid) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.outbox_failed(uuid, text, boolean) TO qhub_app;

-- Append-only audit trail. The server's role gets INSERT and SELECT only:
-- it cannot rewrite history, whatever a handler does.
CREATE TABLE audit_events (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_type   text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'anonymous')),
    actor_id     uuid,
    action       text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target_type  text,
    target_id    text,
    ip           text,
    user_agent   text,
    request_id   text,
    diff         jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_tenant_id ON audit_events (tenant_id, id DESC);
CREATE INDEX audit_events_tenant_action ON audit_events (tenant_id, action, id DESC);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

GRANT SELECT, INSERT, UPDATE ON api_keys TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO qhub_app;
GRANT SELECT, INSERT, UPDATE ON user_tokens TO qhub_app;
GRANT INSERT ON email_outbox TO qhub_app;
GRANT SELECT, INSERT ON audit_events TO qhub_app;
