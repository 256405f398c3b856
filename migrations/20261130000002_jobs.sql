-- Quantum jobs: the backend catalog, jobs and their results, per-tenant
-- quotas and queue counters, and the workers that run jobs.
--
-- `backends` and `job_workers` are platform data with no tenant in them.
-- `jobs`, `job_results` and `job_quotas` are tenant rows with forced
-- `tenant_isolation`. Workers look across tenants only through the
-- SECURITY DEFINER functions at the end, which return ids and numbers,
-- never another tenant's rows: `app.claim_job` (the one way a job is
-- claimed), `app.requeue_expired` (jobs whose worker died),
-- `app.job_queue_positions` and `app.backend_queue` (queue numbers). The
-- `owner_*` policies open rows to qhub_owner alone, for those functions.

-- The catalog. Read-only to the server's role: nothing in the API writes it.
CREATE TABLE backends (
    id                      uuid PRIMARY KEY,
    name                    text NOT NULL UNIQUE,
    provider                text NOT NULL,
    kind                    text NOT NULL CHECK (kind IN ('simulator', 'qpu')),
    technology              text NOT NULL,
    platform                text NOT NULL,
    status                  text NOT NULL CHECK (status IN ('online', 'offline', 'retired')),
    qubits                  integer NOT NULL CHECK (qubits > 0),
    basis_gates             text[] NOT NULL,
    -- 'all-to-all', 'linear', 'heavy-hex', 'square'; coupling_map lists
    -- the pairs when it is not all-to-all (NULL: not published).
    topology                text NOT NULL,
    coupling_map            jsonb,
    max_shots               integer NOT NULL CHECK (max_shots > 0),
    max_circuits            integer NOT NULL CHECK (max_circuits > 0),
    -- Prices in millionths of a US dollar.
    price_per_second_micros bigint NOT NULL CHECK (price_per_second_micros >= 0),
    price_per_shot_micros   bigint NOT NULL CHECK (price_per_shot_micros >= 0),
    average_queue_seconds   integer NOT NULL DEFAULT 0,
    description             text NOT NULL DEFAULT '',
    created_at              timestamptz NOT NULL DEFAULT now()
);

INSERT INTO backends (id, name, provider, kind, technology, platform, status, qubits,
                      basis_gates, topology, coupling_map, max_shots, max_circuits,
                      price_per_second_micros, price_per_shot_micros, average_queue_seconds,
                      description)
VALUES
    ('00000000-0000-7000-8000-000000000001', 'qhub-statevector', 'QHub', 'simulator',
     'statevector simulation', 'QHub', 'online', 26,
     ARRAY['u3', 'u2', 'u1', 'u', 'p', 'u0', 'id', 'x', 'y', 'z', 'h', 's', 'sdg', 't', 'tdg',
           'sx', 'sxdg', 'rx', 'ry', 'rz', 'cx', 'cy', 'cz', 'ch', 'csx', 'crx', 'cry', 'crz',
           'cu1', 'cp', 'cu3', 'cu', 'swap', 'ccx', 'cswap', 'rxx', 'rzz', 'c3x', 'c4x',
           'c3sqrtx', 'measure', 'reset'],
     'all-to-all', NULL, 100000, 1, 100, 0, 0,
     'QHub''s own exact statevector simulator (complex128), with gate fusion and multi-threading.'),
    ('00000000-0000-7000-8000-000000000002', 'ibm-eagle-127', 'IBM', 'qpu',
     'superconducting', 'IBM Quantum', 'offline', 127,
     ARRAY['ecr', 'id', 'rz', 'sx', 'x', 'measure', 'reset'],
     'heavy-hex', NULL, 100000, 300, 1600000, 0, 7200,
     'A 127-qubit Eagle processor (no device connected to this installation).'),
    ('00000000-0000-7000-8000-000000000003', 'ionq-aria-25', 'IonQ', 'qpu',
     'trapped ion', 'Amazon Braket', 'offline', 25,
     ARRAY['gpi', 'gpi2', 'ms', 'measure'],
     'all-to-all', NULL, 10000, 1, 0, 30000, 14400,
     'A 25-qubit trapped-ion system (no device connected to this installation).'),
    ('00000000-0000-7000-8000-000000000004', 'rigetti-ankaa-84', 'Rigetti', 'qpu',
     'superconducting', 'Amazon Braket', 'offline', 84,
     ARRAY['rx', 'rz', 'iswap', 'measure'],
     'square', NULL, 100000, 1, 0, 900, 3600,
     'An 84-qubit Ankaa processor (no device connected to this installation).'),
    ('00000000-0000-7000-8000-000000000005', 'quera-aquila-256', 'QuEra', 'qpu',
     'neutral atom', 'Amazon Braket', 'retired', 256,
     ARRAY['rydberg'],
     'all-to-all', NULL, 1000, 1, 0, 10000, 0,
     'An analog 256-atom processor, retired from the catalog.');

GRANT SELECT ON backends TO qhub_app;

CREATE TABLE jobs (
    id                     uuid PRIMARY KEY,
    tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    backend_id             uuid NOT NULL REFERENCES backends (id),
    name                   text NOT NULL DEFAULT '' CHECK (char_length(name) <= 200),
    tags                   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    status                 text NOT NULL DEFAULT 'queued'
                           CHECK (status IN ('queued', 'running', 'cancelling', 'completed',
                                             'failed', 'cancelled')),
    reason                 text,
    message                text,
    -- The OpenQASM text run (an app version's package text when the job
    -- runs an app), kept so a rerun runs the same program.
    program                text NOT NULL CHECK (octet_length(program) <= 262144),
    app_version_id         uuid REFERENCES app_versions (id) ON DELETE SET NULL,
    parameters             jsonb,
    shots                  integer NOT NULL CHECK (shots BETWEEN 1 AND 1000000),
    seed                   bigint NOT NULL,
    max_execution_seconds  integer NOT NULL CHECK (max_execution_seconds BETWEEN 1 AND 86400),
    save_statevector       boolean NOT NULL DEFAULT false,
    qubits                 integer NOT NULL,
    clbits                 integer NOT NULL,
    depth                  integer NOT NULL,
    gate_count             bigint NOT NULL,
    -- The statevector's bytes, reserved by the worker before it starts.
    memory_bytes           bigint NOT NULL,
    -- The job's cost in amplitude updates (gates × 2^qubits).
    cost                   double precision NOT NULL,
    idempotency_key        text CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    request_hash           text,
    created_by             uuid NOT NULL,
    -- 'user' or 'api_key', for the usage event.
    created_by_kind        text NOT NULL CHECK (created_by_kind IN ('user', 'api_key')),
    created_at             timestamptz NOT NULL DEFAULT now(),
    started_at             timestamptz,
    finished_at            timestamptz,
    cancel_requested_at    timestamptz,
    cancelled_at           timestamptz,
    attempts               integer NOT NULL DEFAULT 0,
    lease_owner            uuid,
    lease_expires_at       timestamptz,
    -- The worker that claimed the job last (kept after it ends).
    worker_id              uuid,
    queued_ms              bigint,
    run_ms                 bigint,
    cpu_ms                 bigint,
    peak_memory_bytes      bigint,
    CONSTRAINT jobs_idempotency_key UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX jobs_tenant_id ON jobs (tenant_id, id DESC);
-- The queue: each tenant's queued jobs in submission order.
CREATE INDEX jobs_queued ON jobs (tenant_id, created_at, id) WHERE status = 'queued';
CREATE INDEX jobs_queued_backend ON jobs (backend_id) WHERE status = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE status IN ('running', 'cancelling');
CREATE INDEX jobs_finished ON jobs (backend_id, finished_at DESC) WHERE status = 'completed';

CREATE TABLE job_results (
    job_id       uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- {"<bits>": n}: Qiskit's key order, summing to the job's shots.
    counts       jsonb NOT NULL,
    -- The final state as little-endian f64 pairs (re, im), when asked for.
    statevector  bytea,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Per tenant: limits (set by the platform, not through the API) and the
-- counters the queue and quota checks read. Created on first use by
-- app.job_quota; the counters are kept by a trigger on jobs.
CREATE TABLE job_quotas (
    tenant_id              uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    max_qubits             integer NOT NULL DEFAULT 26,
    max_shots              integer NOT NULL DEFAULT 100000,
    max_queued_jobs        integer NOT NULL DEFAULT 1000,
    max_running_jobs       integer NOT NULL DEFAULT 4,
    simulator_seconds_per_month bigint NOT NULL DEFAULT 36000,
    queued                 integer NOT NULL DEFAULT 0,
    running                integer NOT NULL DEFAULT 0,
    -- When the queue last started one of this tenant's jobs: the claim
    -- serves the tenant served least recently first (round robin).
    last_served_at         timestamptz,
    month                  date NOT NULL DEFAULT date_trunc('month', now())::date,
    month_run_ms           bigint NOT NULL DEFAULT 0
);

-- Processes running jobs, for queue estimates (capacity). No tenant data.
CREATE TABLE job_workers (
    id            uuid PRIMARY KEY,
    host          text NOT NULL,
    slots         integer NOT NULL,
    memory_bytes  bigint NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON job_workers TO qhub_app;

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jobs
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY owner_queue ON jobs TO qhub_owner USING (true) WITH CHECK (true);

ALTER TABLE job_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_results FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_results
    USING (tenant_id = (SELECT app.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
-- Operators (the owner role) may read results, e.g. to audit the queue.
CREATE POLICY owner_results ON job_results FOR SELECT TO qhub_owner USING (true);

ALTER TABLE job_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_quotas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_quotas FOR SELECT
    USING (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY owner_quotas ON job_quotas TO qhub_owner USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO qhub_app;
GRANT SELECT, INSERT, DELETE ON job_results TO qhub_app;
-- Read only: limits are the platform's, counters the trigger's.
GRANT SELECT ON job_quotas TO qhub_app;

-- Counters follow every job's status: queued and running jobs per tenant,
-- and the simulator time of the month (added once, when a job ends).
CREATE FUNCTION app.job_counters() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    dq integer := 0;
    dr integer := 0;
    ms bigint := 0;
    t uuid;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        t := OLD.tenant_id;
        dq := dq - (OLD.status = 'queued')::integer;
        dr := dr - (OLD.status IN ('running', 'cancelling'))::integer;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        t := NEW.tenant_id;
        dq := dq + (NEW.status = 'queued')::integer;
        dr := dr + (NEW.status IN ('running', 'cancelling'))::integer;
        IF TG_OP = 'UPDATE' AND NEW.status IN ('completed', 'failed', 'cancelled')
           AND OLD.status NOT IN ('completed', 'failed', 'cancelled') THEN
            ms := coalesce(NEW.run_ms, 0);
        END IF;
    END IF;
    IF dq <> 0 OR dr <> 0 OR ms <> 0 THEN
        UPDATE public.job_quotas q
           SET queued = q.queued + dq,
               running = q.running + dr,
               month_run_ms = CASE WHEN q.month = date_trunc('month', now())::date
                                   THEN q.month_run_ms ELSE 0 END + ms,
               month = date_trunc('month', now())::date
         WHERE q.tenant_id = t;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_counters AFTER INSERT OR DELETE OR UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION app.job_counters();

-- The current tenant's quota row (created with the defaults on first use),
-- locked when `p_lock`: a submit holds it until it commits, so two
-- concurrent submits cannot both take the last queued place.
CREATE FUNCTION app.job_quota(p_lock boolean)
    RETURNS TABLE (max_qubits integer, max_shots integer, max_queued_jobs integer,
                   max_running_jobs integer, simulator_seconds_per_month bigint,
                   queued integer, running integer, month_run_ms bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t uuid := app.current_tenant_id();
BEGIN
    IF t IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO public.job_quotas (tenant_id) VALUES (t) ON CONFLICT (tenant_id) DO NOTHING;
    IF p_lock THEN
        PERFORM 1 FROM public.job_quotas q WHERE q.tenant_id = t FOR UPDATE;
    END IF;
    RETURN QUERY
        SELECT q.max_qubits, q.max_shots, q.max_queued_jobs, q.max_running_jobs,
               q.simulator_seconds_per_month, q.queued, q.running,
               CASE WHEN q.month = date_trunc('month', now())::date THEN q.month_run_ms ELSE 0 END
          FROM public.job_quotas q WHERE q.tenant_id = t;
END $$;

-- THE claim. Tenants with queued jobs, room under their running cap and
-- simulator time left this month,
-- least recently served first (round robin between tenants, so one
-- tenant's thousand jobs delay another's single job by about one job);
-- within a tenant, oldest first. Tenant rows are locked SKIP LOCKED, so
-- concurrent workers spread over tenants and never exceed a cap. Only
-- jobs that fit the worker's free memory are taken. Returns the job's id
-- tenant and memory: the worker reads the job in that tenant's own
-- transaction.
CREATE FUNCTION app.claim_job(p_worker uuid, p_lease_seconds double precision,
                              p_max_bytes bigint)
    RETURNS TABLE (job_id uuid, tenant_id uuid, memory_bytes bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t uuid;
    j uuid;
    m bigint;
BEGIN
    -- Only outside any tenant's context (a worker's, not a request's).
    IF app.current_tenant_id() IS NOT NULL THEN
        RAISE EXCEPTION 'app.claim_job runs outside any tenant context';
    END IF;
    FOR t IN
        SELECT q.tenant_id FROM public.job_quotas q
         WHERE q.queued > 0 AND q.running < q.max_running_jobs
           -- Simulator time of the month left (checked at submit too; this
           -- stops a queue submitted before the time ran out).
           AND (q.month <> date_trunc('month', now())::date
                OR q.month_run_ms < q.simulator_seconds_per_month * 1000)
         ORDER BY q.last_served_at NULLS FIRST, q.tenant_id
         FOR UPDATE SKIP LOCKED
    LOOP
        SELECT x.id, x.memory_bytes INTO j, m FROM public.jobs x
         WHERE x.tenant_id = t AND x.status = 'queued' AND x.memory_bytes <= p_max_bytes
         ORDER BY x.created_at, x.id
         LIMIT 1
         FOR UPDATE SKIP LOCKED;
        IF j IS NOT NULL THEN
            UPDATE public.jobs x
               SET status = 'running', started_at = now(), attempts = x.attempts + 1,
                   reason = NULL, message = NULL,
                   queued_ms = (extract(epoch FROM now() - x.created_at) * 1000)::bigint,
                   lease_owner = p_worker, worker_id = p_worker,
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds)
             WHERE x.id = j;
            UPDATE public.job_quotas q SET last_served_at = clock_timestamp()
             WHERE q.tenant_id = t;
            job_id := j;
            tenant_id := t;
            memory_bytes := m;
            RETURN NEXT;
            RETURN;
        END IF;
    END LOOP;
END $$;

-- Jobs whose lease ran out (their worker died or hung): back to the queue
-- while attempts remain, else failed; a job being cancelled is cancelled.
-- Returns the jobs moved and their new status (the worker meters those
-- that ended).
CREATE FUNCTION app.requeue_expired(p_max_attempts integer)
    RETURNS TABLE (job_id uuid, tenant_id uuid, status text)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH expired AS (
        SELECT x.id FROM public.jobs x
         WHERE x.status IN ('running', 'cancelling') AND x.lease_expires_at < now()
         FOR UPDATE SKIP LOCKED
    ), moved AS (
        UPDATE public.jobs x
           SET status = CASE WHEN x.status = 'cancelling' THEN 'cancelled'
                             WHEN x.attempts >= p_max_attempts THEN 'failed'
                             ELSE 'queued' END,
               reason = CASE WHEN x.status = 'cancelling' THEN 'cancelled_by_user'
                             WHEN x.attempts >= p_max_attempts THEN 'worker_lost'
                             ELSE 'requeued_after_worker_loss' END,
               message = CASE WHEN x.status = 'cancelling' THEN 'Cancelled on request.'
                              WHEN x.attempts >= p_max_attempts
                              THEN 'The worker running this job stopped responding '
                                   || x.attempts || ' times; the job was not retried again.'
                              ELSE 'The worker running this job stopped responding; the job is queued again.' END,
               finished_at = CASE WHEN x.status = 'cancelling' OR x.attempts >= p_max_attempts
                                  THEN now() END,
               cancelled_at = CASE WHEN x.status = 'cancelling' THEN now() END,
               started_at = CASE WHEN x.status = 'cancelling' OR x.attempts >= p_max_attempts
                                 THEN x.started_at END,
               run_ms = CASE WHEN x.status = 'cancelling' OR x.attempts >= p_max_attempts
                             THEN (extract(epoch FROM now() - x.started_at) * 1000)::bigint END,
               lease_owner = NULL,
               lease_expires_at = NULL
          FROM expired WHERE x.id = expired.id
        RETURNING x.id, x.tenant_id, x.status
    )
    SELECT id, tenant_id, status FROM moved
$$;

-- Where the current tenant's queued jobs stand: for each of `p_jobs`
-- that is queued, the jobs ahead of it. That is the tenant's own older
-- queued jobs (k), plus from every other tenant with queued jobs as many
-- as round robin serves first: k of them, and one more from tenants
-- served less recently. Numbers only, never another tenant's rows.
CREATE FUNCTION app.job_queue_positions(p_jobs uuid[])
    RETURNS TABLE (job_id uuid, ahead bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH me AS (
        SELECT q.last_served_at FROM public.job_quotas q
         WHERE q.tenant_id = app.current_tenant_id()
    ), mine AS (
        SELECT x.id, row_number() OVER (ORDER BY x.created_at, x.id) - 1 AS k
          FROM public.jobs x
         WHERE x.tenant_id = app.current_tenant_id() AND x.status = 'queued'
    )
    SELECT m.id,
           m.k + coalesce((
               SELECT sum(least(o.queued,
                          m.k + CASE WHEN (SELECT last_served_at FROM me) IS NULL THEN 0
                                     WHEN o.last_served_at IS NULL
                                          OR o.last_served_at < (SELECT last_served_at FROM me)
                                     THEN 1 ELSE 0 END))
                 FROM public.job_quotas o
                WHERE o.tenant_id <> app.current_tenant_id() AND o.queued > 0), 0)::bigint
      FROM mine m
     WHERE m.id = ANY (p_jobs)
$$;

-- A backend's live queue: queued and running jobs of every tenant, the
-- capacity of live workers and the recent mean run time. Numbers only.
CREATE FUNCTION app.backend_queue(p_backend uuid)
    RETURNS TABLE (queued bigint, running bigint, slots bigint, mean_run_ms double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT (SELECT count(*) FROM public.jobs x WHERE x.backend_id = p_backend AND x.status = 'queued'),
           (SELECT count(*) FROM public.jobs x WHERE x.backend_id = p_backend
                                                AND x.status IN ('running', 'cancelling')),
           (SELECT coalesce(sum(w.slots), 0) FROM public.job_workers w
             WHERE w.heartbeat_at > now() - interval '30 seconds'),
           (SELECT avg(r.run_ms) FROM (SELECT x.run_ms FROM public.jobs x
                                        WHERE x.backend_id = p_backend AND x.status = 'completed'
                                        ORDER BY x.finished_at DESC LIMIT 100) r)
$$;

REVOKE ALL ON FUNCTION app.job_counters() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.job_quota(boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.claim_job(uuid, double precision, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.requeue_expired(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.job_queue_positions(uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.backend_queue(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.job_quota(boolean) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.claim_job(uuid, double precision, bigint) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.requeue_expired(integer) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.job_queue_positions(uuid[]) TO qhub_app;
GRANT EXECUTE ON FUNCTION app.backend_queue(uuid) TO qhub_app;
