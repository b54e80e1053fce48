//! The demo tenant: realistic data so every screen shows something.

use std::fmt;

use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::password::hash_password;
use crate::db;
use crate::domain::identity::{DisplayName, Email, Slug};
use crate::http::ctx::begin_tenant_tx;

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.elevatecrm.test";

/// The demo password; override with `ELEVATE_DEMO_PASSWORD`.
pub fn demo_password() -> String {
    std::env::var("ELEVATE_DEMO_PASSWORD").unwrap_or_else(|_| "elevate-demo-2026".to_owned())
}

pub struct DemoCredentials {
    pub tenant: String,
    pub users: Vec<(String, String, String)>,
    pub password: String,
    pub created: bool,
}

impl fmt::Display for DemoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Demo tenant '{}' {}. Sign in with:",
            self.tenant,
            if self.created {
                "created"
            } else {
                "already present"
            }
        )?;
        for (role, email, name) in &self.users {
            writeln!(f, "  {role:<10} {email}  ({name})")?;
        }
        write!(f, "  password   {}", self.password)
    }
}

/// Creates the demo tenant if it does not exist. Safe to run repeatedly.
pub async fn seed_demo(pool: &PgPool) -> anyhow::Result<DemoCredentials> {
    let password = demo_password();
    // One user per built-in role, so every permission set can be tried out.
    let users: Vec<(String, String, String)> = [
        ("admin", DEMO_ADMIN_EMAIL, "Alex Admin"),
        ("manager", "manager@demo.elevatecrm.test", "Morgan Manager"),
        (
            "warehouse",
            "warehouse@demo.elevatecrm.test",
            "Wes Warehouse",
        ),
        ("sales", "sales@demo.elevatecrm.test", "Sam Sales"),
        (
            "readonly",
            "readonly@demo.elevatecrm.test",
            "Riley Readonly",
        ),
    ]
    .into_iter()
    .map(|(r, e, n)| (r.to_owned(), e.to_owned(), n.to_owned()))
    .collect();
    let existing = db::tenants::id_by_slug(pool, DEMO_SLUG).await?;
    if let Some(tenant_id) = existing {
        // Tenants seeded before roles became rows get their built-in roles now.
        let mut tx = begin_tenant_tx(pool, tenant_id, None).await?;
        db::roles::seed_built_ins(&mut tx).await?;
        tx.commit().await?;
        crate::seed_inventory::seed(pool, tenant_id).await?;
        return Ok(DemoCredentials {
            tenant: DEMO_SLUG.into(),
            users,
            password,
            created: false,
        });
    }
    let tenant_id = Uuid::now_v7();
    let mut tx = begin_tenant_tx(pool, tenant_id, None).await?;
    let slug = Slug::parse("slug", DEMO_SLUG)?;
    let name = DisplayName::parse("name", "Acme Industrial Supply")?;
    db::tenants::insert(
        &mut tx,
        tenant_id,
        &slug,
        &name,
        serde_json::json!({
            "valuation_method": "fifo",
            "negative_stock": "forbid",
            "base_currency": "EUR",
            "currencies": ["EUR", "USD", "GBP"],
            "languages": ["en", "de"],
            "timezone": "Europe/Berlin"
        }),
    )
    .await?;
    sqlx::query(
        "UPDATE tenants SET brand_primary = '#3730A3', brand_accent = '#0D9488' WHERE id = $1",
    )
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let hash = tokio::task::spawn_blocking({
        let p = password.clone();
        move || hash_password(&p)
    })
    .await??;
    db::roles::seed_built_ins(&mut tx).await?;
    for (role, email, display) in &users {
        db::users::insert(
            &mut tx,
            db::users::NewUser {
                email: &Email::parse("email", email)?,
                display_name: &DisplayName::parse("display_name", display)?,
                password_hash: &hash,
                roles: std::slice::from_ref(role),
                created_by: None,
            },
        )
        .await?;
    }
    crate::seed_crm::seed(&mut tx).await?;
    tx.commit().await?;
    crate::seed_inventory::seed(pool, tenant_id).await?;
    Ok(DemoCredentials {
        tenant: DEMO_SLUG.into(),
        users,
        password,
        created: true,
    })
}
