//! Unique violations are told apart by constraint name: the one a handler
//! expects becomes its 409, any other stays an internal error (logged,
//! never reported as the wrong conflict).

mod common;

use common::{owner_pool, unique, TestApp};
use qhub_lib::error::on_constraint;
use qhub_lib::ApiError;
use serde_json::json;
use uuid::Uuid;

async fn insert_tenant(pool: &sqlx::PgPool, id: Uuid, slug: &str) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO tenants (id, name, slug) VALUES ($1, 'T', $2)")
        .bind(id)
        .bind(slug)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

#[tokio::test]
async fn unique_violations_map_by_constraint_name() {
    let pool = owner_pool().await;
    let (id, slug) = (Uuid::now_v7(), unique("c"));
    insert_tenant(&pool, id, &slug).await.unwrap();
    let taken = || ApiError::Conflict("slug taken".into());

    // The expected constraint: the conflict.
    let dup_slug = insert_tenant(&pool, Uuid::now_v7(), &slug)
        .await
        .unwrap_err();
    let e = on_constraint("tenants_slug_key", taken)(dup_slug);
    assert!(
        matches!(e, ApiError::Conflict(ref m) if m == "slug taken"),
        "{e:?}"
    );

    // Another unique constraint of the same table: not that conflict.
    let dup_id = insert_tenant(&pool, id, &unique("c")).await.unwrap_err();
    let e = on_constraint("tenants_slug_key", taken)(dup_id);
    assert!(matches!(e, ApiError::Internal(_)), "{e:?}");
}

#[tokio::test]
async fn a_taken_slug_and_a_taken_email_are_told_apart() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let r = app
        .post(
            "/v1/tenants",
            None,
            json!({"name": "Other", "slug": t.slug, "owner_email": "x@other.test",
                   "owner_password": "correct horse battery", "owner_name": "X"}),
        )
        .await;
    r.problem(409, "conflict");
    assert!(
        r.body["detail"].as_str().unwrap().contains("slug"),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/v1/users",
            Some(&t.access),
            json!({"email": t.owner_email, "name": "Dup", "password": "plum orchard lantern", "role": "viewer"}),
        )
        .await;
    r.problem(409, "conflict");
    assert!(
        r.body["detail"].as_str().unwrap().contains("email"),
        "{}",
        r.body
    );
}
