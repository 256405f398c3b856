-- The marketplace (listings with plans, subscriptions, subscription keys),
-- billing (bills and their line items, closed per calendar month) and
-- notifications (per user, with per-type mail preferences).
--
-- Every table with tenant data has the usual forced `tenant_isolation`
-- policy. Where the product reads across tenants, the policy is SELECT-only:
--   * `marketplace_read`: every organization reads listed listings, their
--     active plans, and the listed app's name and description;
--   * `subscriber_read`: a consumer with a live subscription reads the app,
--     its published versions and docs (also after the listing is unlisted,
--     until the subscription ends), and its subscription's listing and plan;
--   * `provider_read`: a provider reads the subscriptions to its listings
--     (the consumer's name as it was at subscribe, plan, state, dates; the
--     row has nothing else of the consumer).
-- Nothing lets the server's role change another tenant's row. Counters on
-- a provider's listing and notices to a provider's admins are written only
-- by the SECURITY DEFINER functions below, which touch exactly those.

-- Listings ------------------------------------------------------------------

CREATE TABLE marketplace_listings (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- An app sold on the marketplace is kept: its subscribers' history and
    -- bills point at it (deleting the app is refused while it is listed).
    app_id            uuid NOT NULL REFERENCES apps (id) ON DELETE RESTRICT,
    status            text NOT NULL DEFAULT 'listed' CHECK (status IN ('listed', 'unlisted')),
    trial_days        integer NOT NULL CHECK (trial_days BETWEEN 0 AND 90),
    support_email     text NOT NULL CHECK (char_length(support_email) BETWEEN 3 AND 254),
    -- The organization's name as the marketplace shows it, taken at publish.
    publisher_name    text NOT NULL,
    -- Kept by app.subscription_counters (live subscriptions).
    subscriber_count  bigint NOT NULL DEFAULT 0 CHECK (subscriber_count >= 0),
    -- The cheapest active plan's price, for sorting (kept by the server).
    min_price         bigint NOT NULL DEFAULT 0,
    created_by        uuid NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    unlisted_at       timestamptz,
    CONSTRAINT marketplace_listings_one_per_app UNIQUE (app_id)
);
CREATE INDEX marketplace_listings_tenant ON marketplace_listings (tenant_id, id DESC);
CREATE INDEX marketplace_listings_listed ON marketplace_listings (created_at DESC) WHERE status = 'listed';

CREATE TABLE marketplace_plans (
    id                            uuid PRIMARY KEY,
    tenant_id                     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    listing_id                    uuid NOT NULL REFERENCES marketplace_listings (id) ON DELETE CASCADE,
    name                          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    price                         bigint NOT NULL CHECK (price BETWEEN 0 AND 100000000000),
    currency                      text NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP', 'CHF')),
    period                        text NOT NULL CHECK (period IN ('month', 'year')),
    included_shots                bigint NOT NULL CHECK (included_shots BETWEEN 0 AND 1000000000000),
    overage_price_per_1000_shots  bigint NOT NULL CHECK (overage_price_per_1000_shots BETWEEN 0 AND 100000000000),
    position                      integer NOT NULL DEFAULT 0,
    -- A plan replaced by a PATCH is retired, not deleted: subscriptions
    -- and bills keep pointing at it.
    active                        boolean NOT NULL DEFAULT true,
    created_at                    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX marketplace_plans_listing ON marketplace_plans (listing_id, position);
CREATE UNIQUE INDEX marketplace_plans_active_name ON marketplace_plans (listing_id, name) WHERE active;

-- Subscriptions --------------------------------------------------------------

-- A subscription belongs to the consumer (`tenant_id`).
CREATE TABLE subscriptions (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    listing_id            uuid NOT NULL REFERENCES marketplace_listings (id) ON DELETE RESTRICT,
    app_id                uuid NOT NULL,
    provider_tenant_id    uuid NOT NULL,
    -- The consumer's organization name at subscribe: all a provider sees.
    consumer_name         text NOT NULL,
    -- The app's name at subscribe, for the subscriber's bills and list.
    app_name              text NOT NULL,
    plan_id               uuid NOT NULL REFERENCES marketplace_plans (id),
    state                 text NOT NULL CHECK (state IN ('trialing', 'active', 'canceled', 'expired')),
    trial_ends_at         timestamptz,
    current_period_start  timestamptz NOT NULL,
    current_period_end    timestamptz NOT NULL,
    cancel_at_period_end  boolean NOT NULL DEFAULT false,
    trial_notice_sent     boolean NOT NULL DEFAULT false,
    created_by            uuid NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    ended_at              timestamptz,
    CONSTRAINT subscriptions_not_own CHECK (tenant_id <> provider_tenant_id),
    CHECK (current_period_end > current_period_start)
);
-- One live subscription per organization per listing, whatever races.
CREATE UNIQUE INDEX subscriptions_one_live ON subscriptions (tenant_id, listing_id)
    WHERE state IN ('trialing', 'active');
-- One trial per organization per listing, ever.
CREATE UNIQUE INDEX subscriptions_one_trial ON subscriptions (tenant_id, listing_id)
    WHERE trial_ends_at IS NOT NULL;
CREATE INDEX subscriptions_tenant ON subscriptions (tenant_id, id DESC);
CREATE INDEX subscriptions_provider ON subscriptions (provider_tenant_id, app_id, id DESC);
CREATE INDEX subscriptions_due ON subscriptions (current_period_end) WHERE state IN ('trialing', 'active');

-- The plan a subscription had over time (what billing pro-rates). The open
-- segment has ended_at NULL.
CREATE TABLE subscription_segments (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    plan_id          uuid NOT NULL REFERENCES marketplace_plans (id),
    trial            boolean NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX subscription_segments_sub ON subscription_segments (subscription_id, started_at);
CREATE UNIQUE INDEX subscription_segments_one_open ON subscription_segments (subscription_id)
    WHERE ended_at IS NULL;

-- Subscription keys belong to the consumer. Only the SHA-256 is stored.
CREATE TABLE subscription_keys (
    id                     uuid PRIMARY KEY,
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    subscription_id        uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    name                   text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    prefix                 text NOT NULL,
    key_hash               bytea NOT NULL UNIQUE,
    remaining_usage_count  bigint NOT NULL CHECK (remaining_usage_count >= 0),
    rate_limit_per_minute  integer NOT NULL CHECK (rate_limit_per_minute BETWEEN 1 AND 100000),
    expires_at             timestamptz,
    last_used_at           timestamptz,
    created_by             uuid NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    revoked_at             timestamptz
);
CREATE INDEX subscription_keys_sub ON subscription_keys (subscription_id, id DESC);

-- Jobs run under a subscription (an app version of a subscribed listing),
-- and by a subscription key.
ALTER TABLE jobs ADD COLUMN subscription_id uuid REFERENCES subscriptions (id) ON DELETE SET NULL;
ALTER TABLE jobs ADD COLUMN subscription_key_id uuid REFERENCES subscription_keys (id) ON DELETE SET NULL;
ALTER TABLE jobs DROP CONSTRAINT jobs_created_by_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_created_by_kind_check
    CHECK (created_by_kind IN ('user', 'api_key', 'subscription_key'));
CREATE INDEX jobs_subscription ON jobs (subscription_id, id DESC) WHERE subscription_id IS NOT NULL;

-- Bills ----------------------------------------------------------------------

-- One bill per organization, calendar month (UTC) and currency, written
-- with its items in one transaction by the period close.
CREATE TABLE bills (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number          text NOT NULL UNIQUE,
    period_start    timestamptz NOT NULL,
    period_end      timestamptz NOT NULL,
    currency        text NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP', 'CHF')),
    total           bigint NOT NULL CHECK (total >= 0),
    payment_status  text NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'paid')),
    paid_at         timestamptz,
    paid_by         uuid,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bills_one_per_period UNIQUE (tenant_id, period_start, currency)
);
CREATE INDEX bills_tenant ON bills (tenant_id, period_start DESC, id DESC);

CREATE TABLE bill_items (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    bill_id             uuid NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    position            integer NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('subscription', 'overage', 'compute')),
    description         text NOT NULL,
    quantity            bigint NOT NULL,
    unit                text NOT NULL,
    amount              bigint NOT NULL CHECK (amount >= 0),
    subscription_id     uuid,
    listing_id          uuid,
    provider_tenant_id  uuid,
    backend             text,
    UNIQUE (bill_id, position)
);
CREATE INDEX bill_items_provider ON bill_items (provider_tenant_id, listing_id)
    WHERE provider_tenant_id IS NOT NULL;

-- Months whose close has finished for every organization (platform data).
CREATE TABLE billing_closes (
    period_start  timestamptz PRIMARY KEY,
    bills         integer NOT NULL,
    completed_at  timestamptz NOT NULL DEFAULT now()
);

-- Notifications ----------------------------------------------------------------

CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type        text NOT NULL CHECK (type IN ('subscription.new_subscriber', 'subscription.trial_ending',
                                              'subscription.canceled', 'bill.issued', 'job.finished',
                                              'job.failed', 'invitation.accepted')),
    title       text NOT NULL,
    body        text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    read_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

CREATE TABLE notification_preferences (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       text NOT NULL,
    email      boolean NOT NULL,
    PRIMARY KEY (user_id, type)
);

-- Policies ----------------------------------------------------------------------

ALTER TABLE marketplace_listings ENABLE ROW LEVEL SECURITY;
ALTER TABLE marketplace_listings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON marketplace_listings
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY marketplace_read ON marketplace_listings FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL AND status = 'listed');
CREATE POLICY subscriber_read ON marketplace_listings FOR SELECT
    USING (EXISTS (SELECT 1 FROM subscriptions s WHERE s.listing_id = marketplace_listings.id
                   AND s.tenant_id = (SELECT app.current_tenant_id())));
CREATE POLICY owner_counters ON marketplace_listings TO qhub_owner USING (true) WITH CHECK (true);

ALTER TABLE marketplace_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE marketplace_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON marketplace_plans
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY marketplace_read ON marketplace_plans FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL AND active
           AND EXISTS (SELECT 1 FROM marketplace_listings l
                       WHERE l.id = listing_id AND l.status = 'listed'));
CREATE POLICY subscriber_read ON marketplace_plans FOR SELECT
    USING (EXISTS (SELECT 1 FROM subscription_segments g WHERE g.plan_id = marketplace_plans.id
                   AND g.tenant_id = (SELECT app.current_tenant_id())));

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscriptions
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY provider_read ON subscriptions FOR SELECT
    USING (provider_tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY owner_counters ON subscriptions TO qhub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_notify ON marketplace_plans FOR SELECT TO qhub_owner USING (true);

ALTER TABLE subscription_segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_segments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscription_segments
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

CREATE POLICY owner_billing ON subscription_segments FOR SELECT TO qhub_owner USING (true);

ALTER TABLE subscription_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscription_keys
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY owner_keys ON subscription_keys TO qhub_owner USING (true) WITH CHECK (true);

ALTER TABLE bills ENABLE ROW LEVEL SECURITY;
ALTER TABLE bills FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bills
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

ALTER TABLE bill_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE bill_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bill_items
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY owner_statements ON bill_items FOR SELECT TO qhub_owner USING (true);
CREATE POLICY owner_statements ON bills FOR SELECT TO qhub_owner USING (true);

-- A person sees only their own notifications and preferences; a worker
-- (tenant context without a user) writes them for any user of its tenant.
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notifications
    USING (tenant_id = (SELECT app.current_tenant_id())
           AND ((SELECT app.current_user_id()) IS NULL OR user_id = (SELECT app.current_user_id())))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id())
           AND ((SELECT app.current_user_id()) IS NULL OR user_id = (SELECT app.current_user_id())));
CREATE POLICY owner_notify ON notifications TO qhub_owner USING (true) WITH CHECK (true);

ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_preferences FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_preferences
    USING (tenant_id = (SELECT app.current_tenant_id())
           AND ((SELECT app.current_user_id()) IS NULL OR user_id = (SELECT app.current_user_id())))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id())
           AND ((SELECT app.current_user_id()) IS NULL OR user_id = (SELECT app.current_user_id())));
CREATE POLICY owner_notify ON notification_preferences TO qhub_owner USING (true);

-- The subscribed app, its published versions and docs, for a consumer with
-- a live subscription (also once the listing is unlisted).
CREATE POLICY subscriber_read ON apps FOR SELECT
    USING (EXISTS (SELECT 1 FROM subscriptions s WHERE s.app_id = apps.id
                   AND s.tenant_id = (SELECT app.current_tenant_id())
                   AND s.state IN ('trialing', 'active')));
CREATE POLICY marketplace_read ON apps FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL
           AND EXISTS (SELECT 1 FROM marketplace_listings l WHERE l.app_id = apps.id
                       AND l.status = 'listed'));
CREATE POLICY subscriber_read ON app_versions FOR SELECT
    USING (status = 'published'
           AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.app_id = app_versions.app_id
                       AND s.tenant_id = (SELECT app.current_tenant_id())
                       AND s.state IN ('trialing', 'active')));
CREATE POLICY subscriber_read ON app_docs FOR SELECT
    USING (EXISTS (SELECT 1 FROM subscriptions s WHERE s.app_id = app_docs.app_id
                   AND s.tenant_id = (SELECT app.current_tenant_id())
                   AND s.state IN ('trialing', 'active')));

-- Functions ------------------------------------------------------------------------

-- The listing's live-subscriber count, kept as the consumer's rows change
-- (the consumer cannot write the provider's listing itself).
CREATE FUNCTION app.subscription_counters() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    was_live boolean := TG_OP = 'UPDATE' AND OLD.state IN ('trialing', 'active');
    is_live boolean := NEW.state IN ('trialing', 'active');
BEGIN
    IF is_live AND NOT was_live THEN
        UPDATE public.marketplace_listings SET subscriber_count = subscriber_count + 1
        WHERE id = NEW.listing_id;
    ELSIF was_live AND NOT is_live THEN
        UPDATE public.marketplace_listings SET subscriber_count = greatest(subscriber_count - 1, 0)
        WHERE id = NEW.listing_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER subscription_counters AFTER INSERT OR UPDATE OF state ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION app.subscription_counters();

-- A time-ordered UUIDv7 (Postgres 15 has no uuidv7()): the millisecond
-- clock in the first 48 bits, version 7, the rest random. Rows the
-- database makes itself (notifications, their mail) sort by id in time
-- order like every id the server makes.
CREATE FUNCTION app.uuid_v7() RETURNS uuid
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

-- Notices to the provider's owners and admins about one of the caller's
-- own subscriptions (a new subscriber, a cancellation). The text is made
-- here from the subscription, so a consumer cannot put words of its own in
-- a provider's notifications; mail goes to those who asked for it. Returns
-- the new notifications' ids and users, for the live stream.
CREATE FUNCTION app.notify_provider(p_subscription uuid, p_type text)
    RETURNS TABLE (id uuid, tenant_id uuid, user_id uuid, title text, body text, data jsonb,
                   created_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    s record;
    v_title text;
    v_body text;
    v_caller text := current_setting('app.tenant_id', true);
BEGIN
    IF p_type NOT IN ('subscription.new_subscriber', 'subscription.canceled') THEN
        RAISE EXCEPTION 'notify_provider: type % is not a provider notice', p_type;
    END IF;
    SELECT sub.id, sub.provider_tenant_id, sub.consumer_name, a.name AS app_name, p.name AS plan_name
      INTO s
      FROM public.subscriptions sub
      JOIN public.apps a ON a.id = sub.app_id
      JOIN public.marketplace_plans p ON p.id = sub.plan_id
     WHERE sub.id = p_subscription AND sub.tenant_id = app.current_tenant_id();
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_type = 'subscription.new_subscriber' THEN
        v_title := format('New subscriber to %s', s.app_name);
        v_body := format('%s subscribed to %s on the %s plan.', s.consumer_name, s.app_name, s.plan_name);
    ELSE
        v_title := format('Subscription to %s canceled', s.app_name);
        v_body := format('%s canceled its subscription to %s.', s.consumer_name, s.app_name);
    END IF;
    -- The provider's people are read as the provider (its tenant policy),
    -- not through a policy that would show the owner role every tenant's
    -- users; the caller's tenant is restored before returning.
    PERFORM set_config('app.tenant_id', s.provider_tenant_id::text, true);
    RETURN QUERY
    WITH recipients AS (
        SELECT u.id AS uid, u.email FROM public.users u
        WHERE u.tenant_id = s.provider_tenant_id AND u.role IN ('owner', 'admin') AND u.is_active
    ), made AS (
        INSERT INTO public.notifications (id, tenant_id, user_id, type, title, body, data)
        SELECT app.uuid_v7(), s.provider_tenant_id, r.uid, p_type, v_title, v_body,
               jsonb_build_object('subscription_id', s.id)
        FROM recipients r
        RETURNING notifications.id, notifications.tenant_id, notifications.user_id,
                  notifications.title, notifications.body, notifications.data, notifications.created_at
    ), mailed AS (
        INSERT INTO public.email_outbox (id, tenant_id, to_addr, subject, body)
        SELECT app.uuid_v7(), s.provider_tenant_id, r.email, 'QHub: ' || v_title, v_body
        FROM recipients r
        JOIN public.notification_preferences np ON np.user_id = r.uid AND np.type = p_type
        WHERE np.email
    )
    SELECT made.id, made.tenant_id, made.user_id, made.title, made.body, made.data, made.created_at
    FROM made;
    PERFORM set_config('app.tenant_id', v_caller, true);
END $$;

-- A notice to users of the caller's own tenant: one user, or (p_user NULL)
-- its active owners and admins; mail too for those who turned it on for
-- this type. A definer function because a person's own transaction may
-- write only their own notifications (the policy), while their acts notify
-- others of the organization (an accepted invitation, a cancellation).
-- Returns the new notifications, for the live stream.
CREATE FUNCTION app.notify(p_user uuid, p_type text, p_title text, p_body text, p_data jsonb)
    RETURNS TABLE (id uuid, user_id uuid, created_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v_tenant uuid := app.current_tenant_id();
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'notify: no tenant context';
    END IF;
    RETURN QUERY
    WITH recipients AS (
        SELECT u.id AS uid, u.email FROM public.users u
        WHERE u.tenant_id = v_tenant AND u.is_active
          AND (u.id = p_user OR (p_user IS NULL AND u.role IN ('owner', 'admin')))
    ), made AS (
        INSERT INTO public.notifications (id, tenant_id, user_id, type, title, body, data)
        SELECT app.uuid_v7(), v_tenant, r.uid, p_type, p_title, p_body, p_data
        FROM recipients r
        RETURNING notifications.id, notifications.user_id, notifications.created_at
    ), mailed AS (
        INSERT INTO public.email_outbox (id, tenant_id, to_addr, subject, body)
        SELECT app.uuid_v7(), v_tenant, r.email, 'QHub: ' || p_title, p_body
        FROM recipients r
        JOIN public.notification_preferences np ON np.user_id = r.uid AND np.type = p_type
        WHERE np.email
    )
    SELECT made.id, made.user_id, made.created_at FROM made;
END $$;

-- Subscriptions with something due (a trial about to end, a period that
-- has ended), across tenants: ids only. The worker handles each in the
-- consumer's own transaction, locking and re-checking the row, so replicas
-- running this at the same time do each transition once.
CREATE FUNCTION app.subscriptions_due(p_limit integer)
    RETURNS TABLE (id uuid, tenant_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT s.id, s.tenant_id FROM public.subscriptions s
    WHERE s.state IN ('trialing', 'active')
      AND (s.current_period_end <= now()
           OR (s.state = 'trialing' AND NOT s.trial_notice_sent
               AND s.trial_ends_at <= now() + interval '3 days'))
    ORDER BY s.current_period_end
    LIMIT p_limit $$;

-- The subscription key with this hash, used once: the remaining count is
-- decremented in the same statement that checks it, so concurrent uses
-- never spend more than there is. Returns the key's outcome:
-- 'ok', 'exhausted', 'expired', 'ended' (revoked, or the subscription is no
-- longer live), or no row for an unknown hash.
CREATE FUNCTION app.use_subscription_key(p_hash bytea)
    RETURNS TABLE (outcome text, key_id uuid, tenant_id uuid, subscription_id uuid, app_id uuid,
                   created_by uuid, rate_limit_per_minute integer, remaining_usage_count bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    k record;
BEGIN
    SELECT sk.id, sk.tenant_id, sk.subscription_id, s.app_id, sk.created_by, sk.rate_limit_per_minute,
           sk.expires_at, sk.revoked_at, s.state
      INTO k
      FROM public.subscription_keys sk JOIN public.subscriptions s ON s.id = sk.subscription_id
     WHERE sk.key_hash = p_hash;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF k.revoked_at IS NOT NULL OR k.state NOT IN ('trialing', 'active') THEN
        RETURN QUERY SELECT 'ended'::text, k.id, k.tenant_id, k.subscription_id, k.app_id, k.created_by,
                            k.rate_limit_per_minute, NULL::bigint;
        RETURN;
    END IF;
    IF k.expires_at IS NOT NULL AND k.expires_at <= now() THEN
        RETURN QUERY SELECT 'expired'::text, k.id, k.tenant_id, k.subscription_id, k.app_id, k.created_by,
                            k.rate_limit_per_minute, NULL::bigint;
        RETURN;
    END IF;
    RETURN QUERY
    WITH used AS (
        UPDATE public.subscription_keys sk
           SET remaining_usage_count = sk.remaining_usage_count - 1, last_used_at = now()
         WHERE sk.id = k.id AND sk.remaining_usage_count > 0
        RETURNING sk.remaining_usage_count
    )
    SELECT CASE WHEN EXISTS (SELECT 1 FROM used) THEN 'ok' ELSE 'exhausted' END,
           k.id, k.tenant_id, k.subscription_id, k.app_id, k.created_by, k.rate_limit_per_minute,
           (SELECT u.remaining_usage_count FROM used u);
END $$;

-- Gives back a use that was refused before it did anything (rate limited).
CREATE FUNCTION app.refund_subscription_key(p_key uuid) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.subscription_keys SET remaining_usage_count = remaining_usage_count + 1
          WHERE id = p_key $$;

-- Revenue per listing and month for the calling provider: totals of the
-- subscription and overage items on its subscribers' bills, and how many
-- subscriptions they came from. Numbers only, nothing of the consumers.
CREATE FUNCTION app.provider_statement(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (listing_id uuid, period_start timestamptz, currency text,
                   subscriptions bigint, subscription_amount bigint, overage_amount bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT i.listing_id, b.period_start, b.currency,
           count(DISTINCT i.subscription_id),
           coalesce(sum(i.amount) FILTER (WHERE i.kind = 'subscription'), 0)::bigint,
           coalesce(sum(i.amount) FILTER (WHERE i.kind = 'overage'), 0)::bigint
    FROM public.bill_items i JOIN public.bills b ON b.id = i.bill_id
    WHERE i.provider_tenant_id = app.current_tenant_id()
      AND app.current_tenant_id() IS NOT NULL
      AND b.period_start >= p_from AND b.period_start < p_to
    GROUP BY i.listing_id, b.period_start, b.currency
    ORDER BY b.period_start DESC, i.listing_id $$;

-- Organizations with a subscription segment overlapping [p_from, p_to):
-- who may owe subscription fees for the month (ids only).
CREATE FUNCTION app.billing_subscribers(p_from timestamptz, p_to timestamptz)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT DISTINCT g.tenant_id FROM public.subscription_segments g
    WHERE g.started_at < p_to AND (g.ended_at IS NULL OR g.ended_at > p_from) $$;

-- A finished pass of the month's close, and whether one has finished.
CREATE FUNCTION app.billing_close_done(p_period timestamptz, p_bills integer) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ INSERT INTO public.billing_closes (period_start, bills) VALUES (p_period, p_bills)
          ON CONFLICT (period_start) DO NOTHING $$;
CREATE FUNCTION app.billing_closed(p_period timestamptz) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM public.billing_closes WHERE period_start = p_period) $$;

-- The organization's name, for a bill's PDF and a subscription's consumer
-- name (the caller's own tenant row is readable anyway; kept for workers).
ALTER TABLE billing_closes ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_closes FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_closes ON billing_closes TO qhub_owner USING (true) WITH CHECK (true);

REVOKE ALL ON FUNCTION app.subscription_counters() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.notify_provider(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.notify(uuid, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.notify(uuid, text, text, text, jsonb) TO qhub_app;
REVOKE ALL ON FUNCTION app.subscriptions_due(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.use_subscription_key(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.refund_subscription_key(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.provider_statement(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.billing_subscribers(timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.billing_close_done(timestamptz, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.billing_closed(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.notify_provider(uuid, text) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.subscriptions_due(integer) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.use_subscription_key(bytea) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.refund_subscription_key(uuid) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.provider_statement(timestamptz, timestamptz) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.billing_subscribers(timestamptz, timestamptz) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.billing_close_done(timestamptz, integer) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.billing_closed(timestamptz) TO qhub_app;

GRANT SELECT, INSERT, UPDATE ON marketplace_listings TO qhub_app;
GRANT SELECT, INSERT, UPDATE ON marketplace_plans TO qhub_app;
GRANT SELECT, INSERT, UPDATE ON subscriptions TO qhub_app;
GRANT SELECT, INSERT, UPDATE ON subscription_segments TO qhub_app;
GRANT SELECT, INSERT, UPDATE ON subscription_keys TO qhub_app;
GRANT SELECT, INSERT ON bills TO qhub_app;
GRANT UPDATE (payment_status, paid_at, paid_by) ON bills TO qhub_app;
GRANT SELECT, INSERT ON bill_items TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_preferences TO qhub_app;

-- Jobs run with a subscription key are audited as its acts.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_type_check
    CHECK (actor_type IN ('user', 'api_key', 'subscription_key', 'anonymous'));
