-- Quantum apps: projects, apps, versions (packages in object storage),
-- documentation pages, the public registry, reviews and per-day metrics.
--
-- Every table with tenant data has the usual forced `tenant_isolation`
-- policy. The registry adds SELECT-only `registry_read` policies for rows
-- of apps that their owner published to the registry; no policy lets the
-- server's role change another tenant's row. Counters on a publisher's rows
-- (downloads, views, ratings) are changed only by the SECURITY DEFINER
-- functions at the end, which run as qhub_owner and touch exactly those
-- counters; the `owner_counters` policies open rows to qhub_owner alone.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Tags as one text, for the generated search columns (array_to_string is
-- only STABLE in general; for text[] it is immutable).
CREATE FUNCTION app.tags_text(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string($1, ' '), '') $$;

CREATE TABLE projects (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    repository_url  text CHECK (char_length(repository_url) <= 2048),
    created_by      uuid NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_tenant_id ON projects (tenant_id, id DESC);

CREATE TABLE apps (
    id                     uuid PRIMARY KEY,
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    project_id             uuid REFERENCES projects (id) ON DELETE SET NULL,
    name                   text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    slug                   text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$'),
    description            text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    app_type               text NOT NULL
                           CHECK (app_type IN ('algorithm', 'application', 'library', 'circuit')),
    visibility             text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    license                text CHECK (char_length(license) <= 100),
    documentation_url      text CHECK (char_length(documentation_url) <= 2048),
    repository_url         text CHECK (char_length(repository_url) <= 2048),
    readme                 text NOT NULL DEFAULT '' CHECK (char_length(readme) <= 100000),
    tags                   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
    status                 text NOT NULL DEFAULT 'draft'
                           CHECK (status IN ('draft', 'published', 'deprecated')),
    -- Set by publish-registry; with visibility 'public' the app is in the
    -- registry (see registry_read).
    registry_published_at  timestamptz,
    -- The organization's name as the registry shows it, taken at publish.
    publisher_name         text,
    -- Kept by the server when versions are published or yanked.
    latest_version         text,
    sdks                   text[] NOT NULL DEFAULT '{}',
    downloads              bigint NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    views                  bigint NOT NULL DEFAULT 0 CHECK (views >= 0),
    rating_sum             bigint NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    rating_count           bigint NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    created_by             uuid NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- Ranked full-text search: name first, then tags, then description.
    search                 tsvector GENERATED ALWAYS AS (
                               setweight(to_tsvector('english', name), 'A')
                               || setweight(to_tsvector('english', app.tags_text(tags)), 'B')
                               || setweight(to_tsvector('english', description), 'C')) STORED,
    CONSTRAINT apps_tenant_slug UNIQUE (tenant_id, slug)
);
CREATE INDEX apps_tenant_id ON apps (tenant_id, id DESC);
CREATE INDEX apps_registry ON apps (registry_published_at DESC)
    WHERE visibility = 'public' AND registry_published_at IS NOT NULL;
CREATE INDEX apps_search ON apps USING gin (search);
CREATE INDEX apps_tags ON apps USING gin (tags);

CREATE TABLE app_versions (
    id                   uuid PRIMARY KEY,
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id               uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    version              text NOT NULL CHECK (char_length(version) <= 100),
    sdk                  text NOT NULL
                         CHECK (sdk IN ('openqasm2', 'openqasm3', 'qiskit', 'cirq', 'pennylane',
                                        'braket', 'qsharp', 'other')),
    qubits               integer NOT NULL CHECK (qubits BETWEEN 1 AND 10000),
    input_schema         jsonb,
    output_schema        jsonb,
    release_notes        text NOT NULL DEFAULT '' CHECK (char_length(release_notes) <= 20000),
    status               text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'yanked')),
    is_latest            boolean NOT NULL DEFAULT false,
    package_key          text,
    package_size         bigint CHECK (package_size >= 0),
    package_sha256       text CHECK (package_sha256 ~ '^[0-9a-f]{64}$'),
    package_uploaded_at  timestamptz,
    downloads            bigint NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    published_at         timestamptz,
    yanked_at            timestamptz,
    created_by           uuid NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT app_versions_app_version UNIQUE (app_id, version),
    -- A published (or yanked) version has its package, for good.
    CHECK (status = 'draft' OR package_key IS NOT NULL)
);
CREATE INDEX app_versions_tenant_app ON app_versions (tenant_id, app_id);
CREATE UNIQUE INDEX app_versions_one_latest ON app_versions (app_id) WHERE is_latest;

CREATE TABLE app_docs (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id      uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    markdown    text NOT NULL DEFAULT '' CHECK (char_length(markdown) <= 100000),
    position    integer NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND 10000),
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_docs_app ON app_docs (app_id, position, id);

-- A review belongs to the reviewer's organization.
CREATE TABLE app_reviews (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL,
    author_name  text NOT NULL,
    rating       smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    content      text NOT NULL DEFAULT '' CHECK (char_length(content) <= 5000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT app_reviews_one_per_user UNIQUE (app_id, user_id)
);
CREATE INDEX app_reviews_app ON app_reviews (app_id, id DESC);

-- Which organizations downloaded which registry app (the right to review).
CREATE TABLE app_downloads (
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id         uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    first_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, app_id)
);

-- Per-day views and downloads of an app, the publisher's rows.
CREATE TABLE app_daily_stats (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    day        date NOT NULL,
    views      bigint NOT NULL DEFAULT 0,
    downloads  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day)
);

-- Objects in storage that no row points to any more (a replaced package, a
-- deleted version or app). Filled by the trigger below in the transaction
-- that drops the reference, emptied by the server once the object is gone:
-- a crash between the two leaves a row to retry, never a leaked object.
-- Keys of every tenant: the server's role reaches it only through the
-- narrow SECURITY DEFINER functions below (as the mail sender reaches the
-- outbox), never with a query of its own.
CREATE TABLE object_garbage (
    key         text PRIMARY KEY,
    -- Not before: an upload in flight marks its own key due after its
    -- deadline, and removes the row once its version points at the key.
    collect_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX object_garbage_due ON object_garbage (collect_at);
ALTER TABLE object_garbage ENABLE ROW LEVEL SECURITY;
ALTER TABLE object_garbage FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_garbage ON object_garbage TO qhub_owner USING (true) WITH CHECK (true);

-- An upload about to start: its key is garbage after `p_secs` unless the
-- version row claims it first.
CREATE FUNCTION app.garbage_expect(p_key text, p_secs double precision) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ INSERT INTO public.object_garbage (key, collect_at)
          VALUES (p_key, now() + make_interval(secs => p_secs))
          ON CONFLICT (key) DO NOTHING $$;

-- The upload's row now points at the key: it is not garbage.
CREATE FUNCTION app.garbage_claim(p_key text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ DELETE FROM public.object_garbage WHERE key = p_key $$;

-- The upload's row could not be written: collect the key now.
CREATE FUNCTION app.garbage_due_now(p_key text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.object_garbage SET collect_at = now() WHERE key = p_key $$;

-- Up to p_limit due keys, locked (SKIP LOCKED) in the caller's transaction
-- until it commits with `garbage_done` or rolls back.
CREATE FUNCTION app.garbage_next(p_limit integer) RETURNS SETOF text
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT key FROM public.object_garbage WHERE collect_at <= now()
          ORDER BY collect_at LIMIT p_limit FOR UPDATE SKIP LOCKED $$;

-- Claimed keys are put out of reach for p_secs while the caller deletes
-- their objects outside any transaction; a caller that dies meanwhile
-- leaves them to the next sweep after that.
CREATE FUNCTION app.garbage_postpone(p_keys text[], p_secs double precision) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.object_garbage SET collect_at = now() + make_interval(secs => p_secs)
          WHERE key = ANY (p_keys) $$;

CREATE FUNCTION app.garbage_done(p_keys text[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ DELETE FROM public.object_garbage WHERE key = ANY (p_keys) $$;

REVOKE ALL ON FUNCTION app.garbage_expect(text, double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.garbage_claim(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.garbage_due_now(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.garbage_next(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.garbage_done(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.garbage_postpone(text[], double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.garbage_postpone(text[], double precision) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.garbage_expect(text, double precision) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.garbage_claim(text) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.garbage_due_now(text) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.garbage_next(integer) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.garbage_done(text[]) TO qhub_app;

CREATE FUNCTION app.collect_package() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.package_key IS NOT NULL THEN
            INSERT INTO public.object_garbage (key) VALUES (OLD.package_key) ON CONFLICT (key) DO UPDATE SET collect_at = now();
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.package_key IS NOT NULL AND OLD.package_key IS DISTINCT FROM NEW.package_key THEN
        INSERT INTO public.object_garbage (key) VALUES (OLD.package_key) ON CONFLICT (key) DO UPDATE SET collect_at = now();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER app_versions_collect_package
    AFTER UPDATE OF package_key OR DELETE ON app_versions
    FOR EACH ROW EXECUTE FUNCTION app.collect_package();

-- The registry's words (names, slugs, tags, descriptions of apps that were
-- in the registry): the dictionary a misspelled search word is corrected
-- against (pg_trgm similarity), so that the search itself stays an indexed
-- full-text query. Filled by a trigger when an app in the registry is
-- written; words are never tenant rows and are never returned, only used
-- to widen a search.
CREATE TABLE registry_words (
    word  text PRIMARY KEY CHECK (char_length(word) BETWEEN 3 AND 40)
);
CREATE INDEX registry_words_trgm ON registry_words USING gin (word gin_trgm_ops);
ALTER TABLE registry_words ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry_words FORCE ROW LEVEL SECURITY;
-- Readable inside any tenant's context (like the registry), never without.
CREATE POLICY registry_read ON registry_words FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL);
CREATE POLICY owner_words ON registry_words TO qhub_owner USING (true) WITH CHECK (true);

CREATE FUNCTION app.registry_words() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF NEW.visibility = 'public' AND NEW.registry_published_at IS NOT NULL THEN
        INSERT INTO public.registry_words (word)
        SELECT DISTINCT w
          FROM unnest(regexp_split_to_array(
                   lower(NEW.name || ' ' || NEW.slug || ' ' || array_to_string(NEW.tags, ' ')
                         || ' ' || NEW.description), '[^a-z0-9]+')) AS w
         WHERE char_length(w) BETWEEN 3 AND 40
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- Only when the words or the registry state change: counter updates
-- (downloads, views, ratings) do not pay for it.
CREATE TRIGGER apps_registry_words
    AFTER INSERT OR UPDATE OF name, slug, tags, description, visibility, registry_published_at
    ON apps
    FOR EACH ROW EXECUTE FUNCTION app.registry_words();
REVOKE ALL ON FUNCTION app.registry_words() FROM PUBLIC;
GRANT SELECT ON registry_words TO qhub_app;

-- Row-level security.
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON projects
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

ALTER TABLE apps ENABLE ROW LEVEL SECURITY;
ALTER TABLE apps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON apps
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
-- Every organization reads apps in the registry; a query with no tenant
-- context still sees nothing (fail closed).
CREATE POLICY registry_read ON apps FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL
           AND visibility = 'public' AND registry_published_at IS NOT NULL);

ALTER TABLE app_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_versions
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY registry_read ON app_versions FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL AND status IN ('published', 'yanked')
           AND EXISTS (SELECT 1 FROM apps a WHERE a.id = app_id
                       AND a.visibility = 'public' AND a.registry_published_at IS NOT NULL));

ALTER TABLE app_docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_docs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_docs
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY registry_read ON app_docs FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL AND EXISTS (SELECT 1 FROM apps a WHERE a.id = app_id
                   AND a.visibility = 'public' AND a.registry_published_at IS NOT NULL));

ALTER TABLE app_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_reviews
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY registry_read ON app_reviews FOR SELECT
    USING ((SELECT app.current_tenant_id()) IS NOT NULL AND EXISTS (SELECT 1 FROM apps a WHERE a.id = app_id
                   AND a.visibility = 'public' AND a.registry_published_at IS NOT NULL));

ALTER TABLE app_downloads ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_downloads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_downloads
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

ALTER TABLE app_daily_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE app_daily_stats FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON app_daily_stats
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

-- The counters' functions run as qhub_owner; these policies name that role
-- only and open nothing to the server's.
CREATE POLICY owner_counters ON apps FOR SELECT TO qhub_owner USING (true);
CREATE POLICY owner_counters_update ON apps FOR UPDATE TO qhub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_counters ON app_versions FOR SELECT TO qhub_owner USING (true);
CREATE POLICY owner_counters_update ON app_versions FOR UPDATE TO qhub_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_counters ON app_daily_stats TO qhub_owner USING (true) WITH CHECK (true);

-- One download of a registry app's version: the app's and the version's
-- counters and the day's row, each an atomic increment (exact under any
-- concurrency). Only for an app in the registry and its published version;
-- returns false (and changes nothing) otherwise.
CREATE FUNCTION app.registry_count_download(p_app uuid, p_version uuid) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v_tenant uuid;
BEGIN
    UPDATE public.apps SET downloads = downloads + 1
     WHERE id = p_app AND visibility = 'public' AND registry_published_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM public.app_versions v
                        WHERE v.id = p_version AND v.app_id = p_app AND v.status = 'published')
    RETURNING tenant_id INTO v_tenant;
    IF v_tenant IS NULL THEN
        RETURN false;
    END IF;
    UPDATE public.app_versions SET downloads = downloads + 1 WHERE id = p_version;
    INSERT INTO public.app_daily_stats (tenant_id, app_id, day, downloads)
         VALUES (v_tenant, p_app, (now() AT TIME ZONE 'UTC')::date, 1)
    ON CONFLICT (app_id, day) DO UPDATE SET downloads = app_daily_stats.downloads + 1;
    RETURN true;
END $$;

-- One view of a registry app's page.
CREATE FUNCTION app.registry_count_view(p_app uuid) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    v_tenant uuid;
BEGIN
    UPDATE public.apps SET views = views + 1
     WHERE id = p_app AND visibility = 'public' AND registry_published_at IS NOT NULL
    RETURNING tenant_id INTO v_tenant;
    IF v_tenant IS NULL THEN
        RETURN false;
    END IF;
    INSERT INTO public.app_daily_stats (tenant_id, app_id, day, views)
         VALUES (v_tenant, p_app, (now() AT TIME ZONE 'UTC')::date, 1)
    ON CONFLICT (app_id, day) DO UPDATE SET views = app_daily_stats.views + 1;
    RETURN true;
END $$;

-- Reviews keep their app's rating sum and count, in the reviewing
-- statement's transaction: the app row's lock serializes concurrent
-- reviews, so the two stay exact.
CREATE FUNCTION app.review_rating() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE public.apps SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
         WHERE id = OLD.app_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE public.apps SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
         WHERE id = NEW.app_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER app_reviews_rating
    AFTER INSERT OR UPDATE OF rating OR DELETE ON app_reviews
    FOR EACH ROW EXECUTE FUNCTION app.review_rating();

REVOKE ALL ON FUNCTION app.registry_count_download(uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.registry_count_view(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.review_rating() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.collect_package() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.registry_count_download(uuid, uuid) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.registry_count_view(uuid) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.tags_text(text[]) TO qhub_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON apps TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON app_versions TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON app_docs TO qhub_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON app_reviews TO qhub_app;
GRANT SELECT, INSERT ON app_downloads TO qhub_app;
GRANT SELECT ON app_daily_stats TO qhub_app;
