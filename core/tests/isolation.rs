//! Tenant isolation: through the API and at the SQL level.

mod common;

use common::{app_pool, TestApp};
use qhub_core::tenancy::as_tenant as begin_tenant_tx;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn another_tenant_cannot_list_read_change_or_delete_users() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (a_dev, _, a_dev_email) = app.user_with_role(&a, "developer").await;

    // B's list holds only B's owner.
    let list = app.get("/v1/users", &b.access).await;
    let items = list.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], b.owner_id.to_string());
    assert!(!list.body.to_string().contains(&a_dev_email));

    // Every by-id endpoint answers 404 for A's users, as if they did not exist.
    for id in [a.owner_id, a_dev] {
        let path = format!("/v1/users/{id}");
        app.get(&path, &b.access).await.problem(404, "not_found");
        app.patch(&path, &b.access, json!({"name": "pwned", "role": "viewer"}))
            .await
            .problem(404, "not_found");
        app.delete(&path, &b.access).await.problem(404, "not_found");
    }

    // A's users are untouched.
    let dev = app.get(&format!("/v1/users/{a_dev}"), &a.access).await;
    assert_eq!(dev.ok(200)["name"], "developer");
    assert_eq!(dev.body["role"], "developer");
    assert_eq!(app.user_count(&a.access).await, 2);

    // B's own tenant endpoint shows B, and patching it never reaches A.
    let t = app
        .patch("/v1/tenant", &b.access, json!({"name": "B renamed"}))
        .await;
    assert_eq!(t.ok(200)["id"], b.id.to_string());
    let ta = app.get("/v1/tenant", &a.access).await;
    assert_eq!(ta.ok(200)["name"], format!("Org {}", a.slug));
}

#[tokio::test]
async fn sql_level_rls_isolates_and_fails_closed() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let pool = app_pool(2).await;

    // Tenant B's context: zero rows of A in every table.
    let mut tx = begin_tenant_tx(&pool, b.id, None).await.unwrap();
    let a_users: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1")
        .bind(a.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let a_tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants WHERE id = $1")
        .bind(a.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let own: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!((a_users, a_tenants, own), (0, 0, 1));
    // Writing a row for A from B's context is refused by WITH CHECK.
    let err = sqlx::query(
        "INSERT INTO users (id, tenant_id, email, password_hash, name, role) \
         VALUES ($1, $2, 'x@y.test', 'h', 'x', 'viewer')",
    )
    .bind(Uuid::now_v7())
    .bind(a.id)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // B cannot update or delete A's rows either: zero rows affected.
    let mut tx = begin_tenant_tx(&pool, b.id, None).await.unwrap();
    let n = sqlx::query("UPDATE users SET name = 'x' WHERE tenant_id = $1")
        .bind(a.id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0);
    let n = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(a.owner_id)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0);
    tx.commit().await.unwrap();

    // No tenant set: nothing is visible in any table, nothing can be inserted.
    let mut conn = pool.acquire().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(tables.contains(&"users".to_owned()) && tables.contains(&"tenants".to_owned()));
    for t in &tables {
        if PLATFORM_TABLES.contains(&t.as_str()) {
            continue;
        }
        let readable: bool = sqlx::query_scalar("SELECT has_table_privilege($1, 'SELECT')")
            .bind(t)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        if !readable {
            // The outbox holds unsent tokens: the server may only queue mail
            // (INSERT); the sender reads it through SECURITY DEFINER functions.
            // Object garbage (storage keys across tenants) likewise, and
            // the months whose billing close finished (platform data that
            // only SECURITY DEFINER functions read and write).
            assert!(
                t == "email_outbox" || t == "object_garbage" || t == "billing_closes",
                "{t} is unreadable for an unknown reason"
            );
            continue;
        }
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(n, 0, "table {t} visible without tenant context");
    }
    let err = sqlx::query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'x', $2)")
        .bind(Uuid::now_v7())
        .bind(common::unique("nt"))
        .execute(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    let err = sqlx::query(
        "INSERT INTO users (id, tenant_id, email, password_hash, name, role) \
         VALUES ($1, $2, 'x@y.test', 'h', 'x', 'viewer')",
    )
    .bind(Uuid::now_v7())
    .bind(a.id)
    .execute(&mut *conn)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
}

/// Tables of platform data that belong to no tenant (the brief's global
/// catalogs): the backend catalog (read-only to the server's role) and the
/// job workers' registry (capacity numbers). Every other table forces RLS.
const PLATFORM_TABLES: &[&str] = &["backends", "job_workers"];

#[tokio::test]
async fn server_role_cannot_bypass_or_disable_rls() {
    let pool = app_pool(1).await;
    let (superuser, bypass, create_role): (bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!superuser && !bypass && !create_role);

    // It owns none of the tables, and every table with tenant data forces RLS.
    let rows: Vec<(String, String, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, pg_get_userbyid(c.relowner)::text, c.relrowsecurity, c.relforcerowsecurity \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(rows.len() >= 2);
    for (table, owner, enabled, forced) in &rows {
        assert_ne!(owner, "qhub_app", "{table} is owned by the server role");
        if PLATFORM_TABLES.contains(&table.as_str()) {
            // Platform data holds no tenant: no tenant_id column at all.
            let has_tenant: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                                WHERE table_schema = 'public' AND table_name = $1
                                  AND column_name = 'tenant_id')",
            )
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
            assert!(
                !has_tenant,
                "{table} is listed as platform data but has tenant_id"
            );
            continue;
        }
        assert!(
            *enabled && *forced,
            "{table} must ENABLE and FORCE row level security"
        );
    }

    // Attempts to switch RLS off fail.
    let err = sqlx::query("ALTER TABLE users DISABLE ROW LEVEL SECURITY")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be owner"), "{err}");
    let err = sqlx::query("ALTER TABLE users NO FORCE ROW LEVEL SECURITY")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be owner"), "{err}");
    let err = sqlx::query("DROP POLICY tenant_isolation ON users")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be owner"), "{err}");
    // With row_security off, a query that RLS would filter errors instead of
    // returning everything.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL row_security = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("SELECT count(*) FROM users")
        .fetch_one(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);
    // And it cannot grant itself the attribute.
    let err = sqlx::query("ALTER ROLE qhub_app BYPASSRLS")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be superuser"), "{err}");
}

/// Policies that let the server's role see rows of other tenants (the
/// registry, the marketplace, a provider's subscribers, a subscriber's app)
/// only ever read: no cross-tenant INSERT, UPDATE or DELETE exists.
#[tokio::test]
async fn cross_tenant_policies_are_select_only() {
    let pool = app_pool(1).await;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT tablename::text, policyname::text, cmd FROM pg_policies
         WHERE schemaname = 'public' AND policyname <> 'tenant_isolation'
           AND (roles && ARRAY['public', 'qhub_app']::name[])
         ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (table, policy) in [
        ("marketplace_listings", "marketplace_read"),
        ("marketplace_plans", "marketplace_read"),
        ("subscriptions", "provider_read"),
        ("apps", "subscriber_read"),
        ("app_versions", "subscriber_read"),
    ] {
        assert!(
            rows.iter().any(|r| r.0 == table && r.1 == policy),
            "{table}.{policy} missing: {rows:?}"
        );
    }
    for (table, policy, cmd) in &rows {
        assert_eq!(cmd, "SELECT", "{table}.{policy} is not SELECT-only");
    }
}

#[tokio::test]
async fn pooled_connection_carries_no_tenant_context() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    // One connection: whatever A's transaction leaves behind, B gets.
    let pool = app_pool(1).await;

    let mut tx = begin_tenant_tx(&pool, a.id, Some(a.owner_id))
        .await
        .unwrap();
    let seen: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, vec![a.owner_id]);
    tx.commit().await.unwrap();

    // Back in the pool: no tenant or user setting survives the transaction.
    let (tid, uid, pid_a): (Option<String>, Option<String>, i32) = sqlx::query_as(
        "SELECT current_setting('app.tenant_id', true), current_setting('app.user_id', true), pg_backend_pid()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(tid.unwrap_or_default().is_empty(), "tenant id leaked");
    assert!(uid.unwrap_or_default().is_empty(), "user id leaked");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // The same physical connection, now for B, sees only B.
    let mut tx = begin_tenant_tx(&pool, b.id, Some(b.owner_id))
        .await
        .unwrap();
    let pid_b: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(pid_a, pid_b, "test needs the same connection");
    let seen: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, vec![b.owner_id]);

    // A rolled-back transaction leaves nothing either.
    drop(tx);
    let tid: Option<String> = sqlx::query_scalar("SELECT current_setting('app.tenant_id', true)")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(tid.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn login_lookup_function_reveals_only_an_id() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let pool = app_pool(1).await;
    let id: Option<Uuid> = sqlx::query_scalar("SELECT app.tenant_id_by_slug($1)")
        .bind(&a.slug)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(id, Some(a.id));
    let none: Option<Uuid> =
        sqlx::query_scalar("SELECT app.tenant_id_by_slug('no-such-tenant-slug')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(none, None);
    // The function does not open the table: a direct read still sees nothing.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants WHERE slug = $1")
        .bind(&a.slug)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}
