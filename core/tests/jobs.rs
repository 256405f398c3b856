//! Quantum jobs against real Postgres, Redis and ClickHouse: submission and
//! its checks, results, cancellation, the fair queue, leases and worker
//! death, isolation, quotas and metering. These tests run one at a time
//! (`.config/nextest.toml`): each starts its own workers, which claim from
//! the one queue of the test database.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{owner_pool, qhub_binary, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

const BELL: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";

/// A circuit that runs for a while: `layers` of rx on every qubit and a
/// CX ladder, written as a gate so the program stays short.
fn long_circuit(qubits: u32, layers: u32) -> String {
    let args: Vec<String> = (0..qubits).map(|q| format!("a{q}")).collect();
    let mut body = String::new();
    for a in &args {
        body.push_str(&format!("rx(t) {a}; "));
    }
    for w in args.windows(2) {
        body.push_str(&format!("cx {},{}; ", w[0], w[1]));
    }
    let call: Vec<String> = (0..qubits).map(|q| format!("q[{q}]")).collect();
    let mut s = format!(
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[{qubits}];\ncreg c[{qubits}];\ngate layer(t) {} {{ {body}}}\n",
        args.join(",")
    );
    for l in 0..layers {
        s.push_str(&format!(
            "layer({}) {};\n",
            0.1 + f64::from(l) * 0.01,
            call.join(",")
        ));
    }
    s.push_str("measure q -> c;\n");
    s
}

async fn app_with_workers(slots: usize) -> TestApp {
    let mut config = common::test_config();
    config.jobs.slots = slots;
    TestApp::spawn_with(config).await
}

async fn submit(app: &TestApp, token: &str, body: Value) -> common::Resp {
    app.post("/v1/jobs", Some(token), body).await
}

async fn job(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/v1/jobs/{id}"), token)
        .await
        .ok(200)
        .clone()
}

/// Polls until the job's status satisfies `done`.
async fn wait_for(app: &TestApp, token: &str, id: &str, done: &[&str], within: Duration) -> Value {
    let start = Instant::now();
    loop {
        let j = job(app, token, id).await;
        if done.contains(&j["status"].as_str().unwrap_or("")) {
            return j;
        }
        assert!(
            start.elapsed() < within,
            "job {id} still {} after {within:?} (reason {}, message {})",
            j["status"],
            j["reason"],
            j["message"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_bell_job_runs_and_its_counts_are_near_half_and_half() {
    let app = app_with_workers(1).await;
    let t = app.signup().await;
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": BELL, "shots": 2000, "seed": 7, "name": "bell", "tags": ["demo", "demo"]}),
    )
    .await;
    let j = r.ok(201);
    let id = j["id"].as_str().unwrap().to_owned();
    assert_eq!(j["qubits"], 2);
    assert_eq!(j["clbits"], 2);
    assert_eq!(j["gate_count"], 4, "h, cx and two measurements");
    assert_eq!(j["depth"], 3);
    assert_eq!(j["tags"], json!(["demo"]), "duplicate tags dropped");
    assert_eq!(j["program"], BELL);
    let done = wait_for(
        &app,
        &t.access,
        &id,
        &["completed"],
        Duration::from_secs(20),
    )
    .await;
    assert!(done["started_at"].is_string() && done["finished_at"].is_string());
    assert!(
        done["queue"].is_null(),
        "a finished job has no queue information"
    );
    assert_eq!(done["usage"]["shots"], 2000);
    assert!(done["usage"]["run_ms"].as_i64().unwrap() >= 0);
    assert_eq!(
        done["usage"]["peak_memory_bytes"], 128,
        "twice 16 bytes × 2^2"
    );
    let res = app.get(&format!("/v1/jobs/{id}/result"), &t.access).await;
    let counts = res.ok(200)["counts"].as_object().unwrap().clone();
    let keys: Vec<&String> = counts.keys().collect();
    assert_eq!(keys, ["00", "11"], "only the correlated outcomes");
    let n00 = counts["00"].as_u64().unwrap();
    let n11 = counts["11"].as_u64().unwrap();
    assert_eq!(n00 + n11, 2000);
    assert!((800..=1200).contains(&n00), "{n00} of 2000");
    // Same seed, same counts: a rerun repeats the job exactly.
    let again = app
        .post(&format!("/v1/jobs/{id}/rerun"), Some(&t.access), json!({}))
        .await;
    let rid = again.ok(201)["id"].as_str().unwrap().to_owned();
    assert_ne!(rid, id);
    wait_for(
        &app,
        &t.access,
        &rid,
        &["completed"],
        Duration::from_secs(20),
    )
    .await;
    let rerun = app.get(&format!("/v1/jobs/{rid}/result"), &t.access).await;
    assert_eq!(rerun.ok(200)["counts"], json!(counts));
}

#[tokio::test]
async fn several_registers_are_keyed_in_qiskit_order_and_a_statevector_is_kept_on_request() {
    let app = app_with_workers(1).await;
    let t = app.signup().await;
    // x on q[0] → a[0] = 1; b stays 0. Qiskit shows the last register first.
    let program = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg a[2];\ncreg b[1];\nx q[0];\nmeasure q[0] -> a[0];\nmeasure q[1] -> a[1];\nmeasure q[2] -> b[0];\n";
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": program, "shots": 10, "statevector": true}),
    )
    .await;
    let id = r.ok(201)["id"].as_str().unwrap().to_owned();
    wait_for(
        &app,
        &t.access,
        &id,
        &["completed"],
        Duration::from_secs(20),
    )
    .await;
    let res = app
        .get(&format!("/v1/jobs/{id}/result?statevector=true"), &t.access)
        .await;
    let b = res.ok(200);
    assert_eq!(b["counts"], json!({"0 01": 10}));
    let sv = b["statevector"].as_array().unwrap();
    assert_eq!(sv.len(), 8);
    assert!(
        (sv[1][0].as_f64().unwrap() - 1.0).abs() < 1e-12,
        "|001⟩: {sv:?}"
    );
    // Without the flag at submit there is no statevector to give.
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": BELL}),
    )
    .await;
    let id2 = r.ok(201)["id"].as_str().unwrap().to_owned();
    wait_for(
        &app,
        &t.access,
        &id2,
        &["completed"],
        Duration::from_secs(20),
    )
    .await;
    app.get(
        &format!("/v1/jobs/{id2}/result?statevector=true"),
        &t.access,
    )
    .await
    .problem(409, "conflict");
    // More than 20 qubits: no statevector is kept.
    submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": long_circuit(21, 1), "statevector": true}),
    )
    .await
    .problem(422, "validation_failed");
}

#[tokio::test]
async fn programs_are_checked_at_submit_with_line_and_column() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let pool = owner_pool().await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM jobs WHERE tenant_id = $1")
            .bind(t.id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let s = |program: &str| json!({"backend": "qhub-statevector", "program": program});
    // A syntax error on line 4, column 5.
    let r = submit(
        &app,
        &t.access,
        s("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0]\ncx q[0],q[1];\n"),
    )
    .await;
    let p = r.problem(422, "program_invalid");
    assert_eq!(p.body["line"], 5, "{}", p.body);
    assert!(p.body["column"].as_u64().unwrap() >= 1);
    assert!(
        p.body["detail"].as_str().unwrap().contains("line 5"),
        "{}",
        p.body
    );
    // An unknown gate, where it is used.
    let r = submit(
        &app,
        &t.access,
        s("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nfoo q[0];\n"),
    )
    .await;
    let p = r.problem(422, "unsupported_gate");
    assert_eq!(
        (p.body["line"].as_u64(), p.body["column"].as_u64()),
        (Some(4), Some(1))
    );
    // More qubits than the backend has (26).
    submit(&app, &t.access, s("OPENQASM 2.0;\nqreg q[27];\n"))
        .await
        .problem(422, "too_many_qubits");
    // A gate definition that expands past the cap (10^7 operations).
    let mut bomb = String::from("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ngate g0 a { x a; x a; x a; x a; x a; x a; x a; x a; x a; x a; }\n");
    for i in 1..8 {
        bomb.push_str(&format!(
            "gate g{i} a {{ g{p} a; g{p} a; g{p} a; g{p} a; g{p} a; g{p} a; g{p} a; g{p} a; g{p} a; g{p} a; }}\n",
            p = i - 1
        ));
    }
    bomb.push_str("g7 q[0];\n");
    submit(&app, &t.access, s(&bomb))
        .await
        .problem(422, "too_many_gates");
    // A result too large to keep: 100000 shots × 101 bits of counts.
    submit(&app, &t.access, json!({"backend": "qhub-statevector", "program": "OPENQASM 2.0;\nqreg q[1];\ncreg c[100];\n", "shots": 100000}))
        .await
        .problem(422, "too_many_shots");
    // Too many shots for the backend (100000).
    submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": BELL, "shots": 100001}),
    )
    .await
    .problem(422, "too_many_shots");
    // An offline device takes nothing; an unknown backend is a bad field.
    submit(
        &app,
        &t.access,
        json!({"backend": "ibm-eagle-127", "program": BELL}),
    )
    .await
    .problem(409, "backend_unavailable");
    submit(&app, &t.access, json!({"backend": "nope", "program": BELL}))
        .await
        .problem(422, "validation_failed");
    // Both or neither of program and app_version_id; hostile fields.
    for body in [
        json!({"backend": "qhub-statevector"}),
        json!({"backend": "qhub-statevector", "program": BELL, "app_version_id": Uuid::now_v7()}),
        json!({"backend": "qhub-statevector", "program": BELL, "shots": 0}),
        json!({"backend": "qhub-statevector", "program": BELL, "seed": -1}),
        json!({"backend": "qhub-statevector", "program": BELL, "seed": 9007199254740992_i64}),
        json!({"backend": "qhub-statevector", "program": BELL, "max_execution_seconds": 0}),
        json!({"backend": "qhub-statevector", "program": BELL, "name": "a\u{0007}b"}),
        json!({"backend": "qhub-statevector", "program": BELL, "tags": ["Bad Tag"]}),
        json!({"backend": "qhub-statevector", "program": BELL, "parameters": {"Bad": 1.0}}),
        json!({"backend": "qhub-statevector", "program": ""}),
    ] {
        let r = submit(&app, &t.access, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
    }
    // Over 256 KiB: refused (by the body limit or the program rule).
    let r = submit(&app, &t.access, s(&"x".repeat(262_145))).await;
    assert!([413, 422].contains(&r.status.as_u16()), "{}", r.status);
    assert_eq!(count().await, 0, "nothing was queued");
}

#[tokio::test]
async fn idempotency_keys_give_the_same_job_and_refuse_a_different_body() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let body = json!({"backend": "qhub-statevector", "program": BELL, "shots": 100});
    let key = format!("k-{}", Uuid::now_v7());
    let send = |body: Value| {
        let (app, key, token) = (&app, key.clone(), t.access.clone());
        async move {
            let res = app
                .http
                .post(format!("{}/v1/jobs", app.base))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            TestApp::read(res).await
        }
    };
    // Concurrent duplicates: one job.
    let all = futures_util::future::join_all((0..8).map(|_| send(body.clone()))).await;
    let ids: std::collections::HashSet<String> = all
        .iter()
        .map(|r| r.ok(201)["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let other = send(json!({"backend": "qhub-statevector", "program": BELL, "shots": 101})).await;
    other.problem(422, "idempotency_key_reused");
    let page = app.get("/v1/jobs", &t.access).await;
    assert_eq!(page.ok(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn queued_jobs_cancel_at_once_and_only_finished_jobs_are_deleted() {
    let app = TestApp::spawn().await; // no workers: jobs stay queued
    let t = app.signup().await;
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": BELL, "tags": ["a"]}),
    )
    .await;
    let id = r.ok(201)["id"].as_str().unwrap().to_owned();
    let j = job(&app, &t.access, &id).await;
    assert_eq!(j["status"], "queued");
    assert_eq!(j["queue"]["position"], 1);
    assert_eq!(j["queue"]["approximate"], true);
    app.get(&format!("/v1/jobs/{id}/result"), &t.access)
        .await
        .problem(409, "job_not_finished");
    app.delete(&format!("/v1/jobs/{id}"), &t.access)
        .await
        .problem(409, "job_not_finished");
    // Tags, filters.
    let r = app
        .call(
            Method::PUT,
            &format!("/v1/jobs/{id}/tags"),
            Some(&t.access),
            Some(json!({"tags": ["x", "y"]})),
        )
        .await;
    assert_eq!(r.ok(200)["tags"], json!(["x", "y"]));
    let page = app.get("/v1/jobs?tag=y&status=queued", &t.access).await;
    assert_eq!(page.ok(200)["items"][0]["id"], id.as_str());
    let page = app.get("/v1/jobs?tag=a", &t.access).await;
    assert!(page.ok(200)["items"].as_array().unwrap().is_empty());
    let q = app.get("/v1/quotas", &t.access).await;
    assert_eq!(q.ok(200)["queued_jobs"]["used"], 1);
    // Cancel: at once, and again (idempotent).
    for _ in 0..2 {
        let r = app
            .post(&format!("/v1/jobs/{id}/cancel"), Some(&t.access), json!({}))
            .await;
        let b = r.ok(200);
        assert_eq!(b["status"], "cancelled");
        assert_eq!(b["reason"], "cancelled_by_user");
        assert!(b["cancelled_at"].is_string());
    }
    let q = app.get("/v1/quotas", &t.access).await;
    assert_eq!(q.ok(200)["queued_jobs"]["used"], 0);
    let stats = app.get("/v1/jobs/stats", &t.access).await;
    let s = stats.ok(200);
    assert_eq!(s["counts"]["cancelled"], 1);
    assert_eq!(s["counts"]["queued"], 0);
    assert_eq!(s["total"], 1);
    assert_eq!(
        app.delete(&format!("/v1/jobs/{id}"), &t.access)
            .await
            .status,
        204
    );
    app.get(&format!("/v1/jobs/{id}"), &t.access)
        .await
        .problem(404, "not_found");
    assert_eq!(app.audit(&t, "job.cancelled").await.len(), 1);
    assert_eq!(app.audit(&t, "job.deleted").await.len(), 1);
}

#[tokio::test]
async fn quotas_refuse_at_submit_and_queue_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let pool = owner_pool().await;
    // The quota row exists once the organization has looked at it.
    app.get("/v1/quotas", &t.access).await.ok(200);
    sqlx::query("UPDATE job_quotas SET max_queued_jobs = 2, max_qubits = 3, max_shots = 50 WHERE tenant_id = $1")
        .bind(t.id)
        .execute(&pool)
        .await
        .unwrap();
    let ok = json!({"backend": "qhub-statevector", "program": BELL, "shots": 50});
    submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": long_circuit(4, 1), "shots": 10}),
    )
    .await
    .problem(422, "too_many_qubits");
    submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": BELL, "shots": 51}),
    )
    .await
    .problem(422, "too_many_shots");
    // Concurrent submits cannot both take the last place.
    let rs = app.many(6, "/v1/jobs", Some(&t.access), ok.clone()).await;
    let created = rs.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        2,
        "{:?}",
        rs.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in rs.iter().filter(|r| r.status != 201) {
        r.problem(429, "quota_exceeded");
    }
    let q = app.get("/v1/quotas", &t.access).await;
    let q = q.ok(200);
    assert_eq!(q["queued_jobs"], json!({"limit": 2, "used": 2}));
    assert_eq!(q["qubits"]["limit"], 3);
    // Simulator time of the month used up.
    sqlx::query("UPDATE job_quotas SET max_queued_jobs = 100, simulator_seconds_per_month = 1, month_run_ms = 1000 WHERE tenant_id = $1")
        .bind(t.id)
        .execute(&pool)
        .await
        .unwrap();
    submit(&app, &t.access, ok)
        .await
        .problem(429, "quota_exceeded");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE tenant_id = $1")
        .bind(t.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Jobs queued before the time ran out do not start either.
    let _workers = app_with_workers(1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE tenant_id = $1 AND status = 'queued'")
            .bind(t.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(queued, 2, "no simulator time left: nothing is claimed");
    // The server's role cannot raise its own limits.
    let app_pool = common::app_pool(1).await;
    let err = sqlx::query("UPDATE job_quotas SET max_queued_jobs = 1000000")
        .execute(&app_pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[tokio::test]
async fn another_organization_gets_404_on_every_job_endpoint_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let r = submit(
        &app,
        &a.access,
        json!({"backend": "qhub-statevector", "program": BELL, "tags": ["mine"]}),
    )
    .await;
    let id = r.ok(201)["id"].as_str().unwrap().to_owned();
    let before = job(&app, &a.access, &id).await;
    for (method, path, body) in [
        (Method::GET, format!("/v1/jobs/{id}"), None),
        (Method::GET, format!("/v1/jobs/{id}/result"), None),
        (
            Method::POST,
            format!("/v1/jobs/{id}/cancel"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/jobs/{id}/rerun"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            format!("/v1/jobs/{id}/tags"),
            Some(json!({"tags": ["theirs"]})),
        ),
        (Method::DELETE, format!("/v1/jobs/{id}"), None),
    ] {
        let r = app.call(method.clone(), &path, Some(&b.access), body).await;
        r.problem(404, "not_found");
    }
    let list = app.get("/v1/jobs", &b.access).await;
    assert!(list.ok(200)["items"].as_array().unwrap().is_empty());
    let after = job(&app, &a.access, &id).await;
    assert_eq!(after["status"], before["status"]);
    assert_eq!(after["tags"], json!(["mine"]));
    let page = app.get("/v1/jobs", &a.access).await;
    assert_eq!(
        page.ok(200)["items"].as_array().unwrap().len(),
        1,
        "no rerun was created"
    );
    // Under RLS, B's context sees none of A's rows, and cannot write them.
    let pool = common::app_pool(1).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(b.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
    let changed = sqlx::query("UPDATE jobs SET status = 'cancelled' WHERE id = $1::uuid")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    let results: i64 = sqlx::query_scalar("SELECT count(*) FROM job_results")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(results, 0);
    tx.rollback().await.unwrap();
    // The catalog is read-only to the server's role.
    let err = sqlx::query("UPDATE backends SET status = 'online'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    // Cancel the queued job so no later test's worker runs it.
    app.post(&format!("/v1/jobs/{id}/cancel"), Some(&a.access), json!({}))
        .await
        .ok(200);
}

#[tokio::test]
async fn backends_list_the_simulator_online_and_devices_offline_with_their_queue() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let r = app.get("/v1/backends", &t.access).await;
    let items = r.ok(200)["items"].as_array().unwrap().clone();
    let by_name: HashMap<&str, &Value> = items
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b))
        .collect();
    let sim = by_name["qhub-statevector"];
    assert_eq!(sim["kind"], "simulator");
    assert_eq!(sim["status"], "online");
    assert!(sim["basis_gates"]
        .as_array()
        .unwrap()
        .contains(&json!("cx")));
    assert!(sim["queue"]["queued"].is_i64());
    let eagle = by_name["ibm-eagle-127"];
    assert_eq!(
        (eagle["kind"].as_str(), eagle["status"].as_str()),
        (Some("qpu"), Some("offline"))
    );
    assert_eq!(eagle["qubits"], 127);
    assert_eq!(eagle["cost_per_hour_micros"], 1_600_000_i64 * 3600);
    assert_eq!(by_name["quera-aquila-256"]["status"], "retired");
    let one = app
        .get(
            &format!("/v1/backends/{}", sim["id"].as_str().unwrap()),
            &t.access,
        )
        .await;
    assert_eq!(one.ok(200)["name"], "qhub-statevector");
    app.get(&format!("/v1/backends/{}", Uuid::now_v7()), &t.access)
        .await
        .problem(404, "not_found");
    // A viewer reads jobs and backends, but submits nothing.
    let (_, viewer, _) = app.user_with_role(&t, "viewer").await;
    app.get("/v1/backends", &viewer).await.ok(200);
    submit(
        &app,
        &viewer,
        json!({"backend": "qhub-statevector", "program": BELL}),
    )
    .await
    .problem(403, "forbidden");
}

/// Tenant A queues 200 jobs, then tenant B one: B's job starts before A's
/// third-next job (round robin between tenants).
#[tokio::test]
async fn a_tenant_with_200_queued_jobs_does_not_hold_back_another_tenants_job() {
    let app = TestApp::spawn().await; // workers start after the jobs are queued
    let a = app.signup().await;
    let b = app.signup().await;
    let program = long_circuit(10, 2);
    let body = json!({"backend": "qhub-statevector", "program": program, "shots": 10});
    for _ in 0..4 {
        let rs = app
            .many(50, "/v1/jobs", Some(&a.access), body.clone())
            .await;
        for r in &rs {
            r.ok(201);
        }
    }
    let bj = submit(&app, &b.access, body).await;
    let b_id = bj.ok(201)["id"].as_str().unwrap().to_owned();
    let queued = job(&app, &b.access, &b_id).await;
    // Round robin: B is next but one at most (A may be served first).
    assert!(
        queued["queue"]["position"].as_i64().unwrap() <= 2,
        "{queued}"
    );
    // Now a worker (2 slots) drains the queue.
    let mut config = common::test_config();
    config.jobs.slots = 2;
    let workers = TestApp::spawn_with(config).await;
    let b_done = wait_for(
        &workers,
        &b.access,
        &b_id,
        &["completed"],
        Duration::from_secs(60),
    )
    .await;
    let b_started: chrono::DateTime<chrono::Utc> =
        b_done["started_at"].as_str().unwrap().parse().unwrap();
    // A's jobs in the order they started.
    let pool = owner_pool().await;
    let starts: Vec<chrono::DateTime<chrono::Utc>> = loop {
        let s: Vec<Option<chrono::DateTime<chrono::Utc>>> = sqlx::query_scalar(
            "SELECT started_at FROM jobs WHERE tenant_id = $1 ORDER BY started_at NULLS LAST",
        )
        .bind(a.id)
        .fetch_all(&pool)
        .await
        .unwrap();
        if s.iter().take(3).all(Option::is_some) {
            break s.into_iter().flatten().collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        b_started < starts[2],
        "B's job started at {b_started}, after A's third job ({})",
        starts[2]
    );
    // Leave nothing queued for the next test.
    let pending: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM jobs WHERE tenant_id = $1 AND status = 'queued'")
            .bind(a.id)
            .fetch_all(&pool)
            .await
            .unwrap();
    for id in pending {
        app.post(&format!("/v1/jobs/{id}/cancel"), Some(&a.access), json!({}))
            .await;
    }
}

/// A `qhub worker` process (2 slots, one simulator thread each), killed
/// when dropped (a failing test leaves no worker behind).
struct Worker(std::process::Child);

impl Worker {
    fn kill(&mut self) -> std::io::Result<()> {
        self.0.kill()?;
        self.0.wait().map(|_| ())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

fn worker_process(lease_ms: u64) -> Worker {
    Worker(
        qhub_binary("worker")
            .env("JOB_WORKER_SLOTS", "2")
            .env("JOB_LEASE_MS", lease_ms.to_string())
            .env("JOB_POLL_MS", "100")
            .env("JOB_SIM_THREADS", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn qhub worker"),
    )
}

/// Two worker processes on 1,000 short jobs: every job runs exactly once.
#[tokio::test]
async fn two_worker_processes_run_each_of_1000_jobs_exactly_once() {
    let app = TestApp::spawn().await;
    let tenants = [app.signup().await, app.signup().await];
    let body = json!({"backend": "qhub-statevector", "program": BELL, "shots": 16});
    let mut w1 = worker_process(3000);
    let mut w2 = worker_process(3000);
    for t in &tenants {
        for _ in 0..10 {
            let rs = app
                .many(50, "/v1/jobs", Some(&t.access), body.clone())
                .await;
            assert!(rs.iter().all(|r| r.status == 201));
        }
    }
    let pool = owner_pool().await;
    let ids: Vec<Uuid> = tenants.iter().map(|t| t.id).collect();
    let start = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE tenant_id = ANY($1) AND status <> 'completed'",
        )
        .bind(&ids)
        .fetch_one(&pool)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{left} jobs unfinished"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w1.kill().unwrap();
    w2.kill().unwrap();
    let (jobs, once, results, workers): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE attempts = 1),
                (SELECT count(*) FROM job_results r WHERE r.tenant_id = ANY($1)),
                count(DISTINCT worker_id)
         FROM jobs WHERE tenant_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((jobs, once, results), (1000, 1000, 1000));
    assert_eq!(workers, 2, "both processes took jobs");
}

/// A worker killed mid-job: its lease runs out, another worker runs the job
/// again, and it completes once.
#[tokio::test]
async fn a_job_whose_worker_is_killed_is_run_again_by_another_and_completes_once() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let mut w1 = worker_process(1000);
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": long_circuit(20, 60), "shots": 100, "max_execution_seconds": 300}),
    )
    .await;
    let id = r.ok(201)["id"].as_str().unwrap().to_owned();
    wait_for(&app, &t.access, &id, &["running"], Duration::from_secs(30)).await;
    let pool = owner_pool().await;
    let first: Uuid = sqlx::query_scalar("SELECT worker_id FROM jobs WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    w1.kill().expect("kill");
    let mut w2 = worker_process(1000);
    let done = wait_for(
        &app,
        &t.access,
        &id,
        &["completed"],
        Duration::from_secs(120),
    )
    .await;
    w2.kill().unwrap();
    assert_eq!(done["attempts"], 2, "{done}");
    let (second, results): (Uuid, i64) = sqlx::query_as(
        "SELECT worker_id, (SELECT count(*) FROM job_results WHERE job_id = $1::uuid)
         FROM jobs WHERE id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_ne!(second, first, "another worker finished it");
    assert_eq!(results, 1);
    let counts = app.get(&format!("/v1/jobs/{id}/result"), &t.access).await;
    let total: u64 = counts.ok(200)["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, 100);
}

/// A running 24-qubit job is cancelled within a second, and its partial
/// time is metered.
#[tokio::test]
async fn a_running_24_qubit_job_is_cancelled_within_a_second() {
    let app = app_with_workers(1).await;
    let t = app.signup().await;
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": long_circuit(24, 200), "shots": 10}),
    )
    .await;
    let id = r.ok(201)["id"].as_str().unwrap().to_owned();
    wait_for(&app, &t.access, &id, &["running"], Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let r = app
        .post(&format!("/v1/jobs/{id}/cancel"), Some(&t.access), json!({}))
        .await;
    assert_eq!(r.ok(200)["status"], "cancelling");
    let done = wait_for(&app, &t.access, &id, &["cancelled"], Duration::from_secs(5)).await;
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(1), "cancelled after {took:?}");
    assert_eq!(done["reason"], "cancelled_by_user");
    assert!(done["usage"]["run_ms"].as_i64().unwrap() >= 300, "{done}");
    app.get(&format!("/v1/jobs/{id}/result"), &t.access)
        .await
        .problem(409, "job_not_finished");
    // Metered: the usage API (ClickHouse) shows the job by kind, with
    // its partial run time.
    let start = Instant::now();
    loop {
        let u = app.get("/v1/usage/summary?kind=job.run", &t.access).await;
        let b = u.ok(200);
        if b["events"] == 1 {
            assert!(b["quantities"]["run_ms"].as_f64().unwrap() >= 300.0, "{b}");
            assert_eq!(b["quantities"]["qubits"], 24.0);
            assert_eq!(b["quantities"]["shots"], 0.0, "no shots were taken");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no job.run usage: {b}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A job that runs past its `max_execution_seconds` fails with
/// `time_limit_exceeded`, and its submitter is notified that it failed.
#[tokio::test]
async fn a_job_over_its_time_limit_fails_and_its_submitter_is_notified() {
    let app = app_with_workers(1).await;
    let t = app.signup().await;
    let r = submit(
        &app,
        &t.access,
        json!({"backend": "qhub-statevector", "program": long_circuit(24, 200), "shots": 10, "max_execution_seconds": 1}),
    )
    .await;
    let id = r.ok(201)["id"].as_str().unwrap().to_owned();
    let done = wait_for(&app, &t.access, &id, &["failed"], Duration::from_secs(60)).await;
    assert_eq!(done["reason"], "time_limit_exceeded", "{done}");
    common::wait_for_notification(&app, &t.access, "job.failed", "job_id", &id).await;
}

/// A job can run a published app version whose package is a circuit, with
/// parameters bound to its free identifiers. Another organization runs it
/// only once it is in the registry; drafts never run.
#[tokio::test]
async fn jobs_run_published_app_versions_with_parameters() {
    let app = app_with_workers(1).await;
    let a = app.signup().await;
    let b = app.signup().await;
    let created = app
        .post(
            "/v1/apps",
            Some(&a.access),
            json!({"name": "Flip", "slug": common::unique("flip"), "type": "circuit",
                   "visibility": "public", "license": "MIT"}),
        )
        .await;
    let app_id = created.ok(201)["id"].as_str().unwrap().to_owned();
    let version = |v: &str| {
        let (app, token, app_id, v) = (&app, a.access.clone(), app_id.clone(), v.to_owned());
        async move {
            let r = app
                .post(
                    &format!("/v1/apps/{app_id}/versions"),
                    Some(&token),
                    json!({"version": v, "sdk": "openqasm2", "qubits": 1}),
                )
                .await;
            r.ok(201)["id"].as_str().unwrap().to_owned()
        }
    };
    let program = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ncreg c[1];\nrx(theta) q[0];\nmeasure q -> c;\n";
    let vid = version("1.0.0").await;
    let put = app
        .raw(
            Method::PUT,
            &format!("/v1/apps/{app_id}/versions/{vid}/package"),
            Some(&a.access),
            Some("application/octet-stream"),
            program.as_bytes().to_vec(),
        )
        .await;
    put.ok(200);
    let draft_job = json!({"backend": "qhub-statevector", "app_version_id": vid, "parameters": {"theta": std::f64::consts::PI}, "shots": 64});
    // A draft does not run.
    submit(&app, &a.access, draft_job.clone())
        .await
        .problem(409, "conflict");
    app.post(
        &format!("/v1/apps/{app_id}/versions/{vid}/publish"),
        Some(&a.access),
        json!({}),
    )
    .await
    .ok(200);
    // rx(pi)|0⟩ = |1⟩: every shot reads 1.
    let r = submit(&app, &a.access, draft_job.clone()).await;
    let j = r.ok(201);
    assert_eq!(j["app_version_id"], vid.as_str());
    assert_eq!(j["parameters"]["theta"], std::f64::consts::PI);
    let id = j["id"].as_str().unwrap().to_owned();
    wait_for(
        &app,
        &a.access,
        &id,
        &["completed"],
        Duration::from_secs(20),
    )
    .await;
    let res = app.get(&format!("/v1/jobs/{id}/result"), &a.access).await;
    assert_eq!(res.ok(200)["counts"], json!({"1": 64}));
    // A missing or an unknown parameter is a program error.
    let p = submit(
        &app,
        &a.access,
        json!({"backend": "qhub-statevector", "app_version_id": vid}),
    )
    .await;
    p.problem(422, "program_invalid");
    let p = submit(
        &app,
        &a.access,
        json!({"backend": "qhub-statevector", "app_version_id": vid, "parameters": {"theta": 1.0, "phi": 2.0}}),
    )
    .await;
    p.problem(422, "program_invalid");
    // Another organization cannot run it while it is not in the registry.
    submit(&app, &b.access, draft_job.clone())
        .await
        .problem(422, "validation_failed");
    app.post(
        &format!("/v1/apps/{app_id}/publish-registry"),
        Some(&a.access),
        json!({}),
    )
    .await
    .ok(200);
    let r = submit(&app, &b.access, draft_job).await;
    let theirs = r.ok(201)["id"].as_str().unwrap().to_owned();
    wait_for(
        &app,
        &b.access,
        &theirs,
        &["completed"],
        Duration::from_secs(20),
    )
    .await;
    // The job is B's: A does not see it.
    app.get(&format!("/v1/jobs/{theirs}"), &a.access)
        .await
        .problem(404, "not_found");
}
