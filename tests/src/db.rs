//! Per-test databases cloned from a template that has every migration applied.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};

pub fn host() -> String {
    std::env::var("ELEVATE_TEST_PG").unwrap_or_else(|_| "127.0.0.1:5432".into())
}

pub fn owner_url(db: &str) -> String {
    format!("postgres://elevate_owner:elevate_owner@{}/{db}", host())
}

pub fn app_url(db: &str) -> String {
    format!("postgres://elevate_app:elevate_app@{}/{db}", host())
}

/// A fresh database for one test.
pub struct TestDb {
    pub name: String,
    /// Schema owner (BYPASSRLS): for fixtures and assertions that must see everything.
    pub owner: PgPool,
    /// The server's role: row-level security applies.
    pub app: PgPool,
}

fn template_name() -> String {
    let mut h = Sha256::new();
    for m in elevate_backend::db::MIGRATOR.iter() {
        h.update(m.version.to_le_bytes());
        h.update(&*m.checksum);
    }
    format!("elevate_tpl_{}", &hex::encode(h.finalize())[..12])
}

async fn maintenance() -> anyhow::Result<PgConnection> {
    PgConnection::connect(&owner_url("postgres"))
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot connect to PostgreSQL at {} as elevate_owner ({e}); run ./scripts/test, \
             which starts PostgreSQL and creates the roles",
                host()
            )
        })
}

/// Creates the migrated template once per migration set (serialised by an advisory lock).
async fn ensure_template(conn: &mut PgConnection) -> anyhow::Result<String> {
    let tpl = template_name();
    conn.execute("SELECT pg_advisory_lock(774411)").await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&tpl)
            .fetch_one(&mut *conn)
            .await?;
    let result = async {
        if !exists {
            let building = format!("{tpl}_building");
            conn.execute(format!("DROP DATABASE IF EXISTS {building}").as_str())
                .await?;
            conn.execute(format!("CREATE DATABASE {building}").as_str())
                .await?;
            {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&owner_url(&building))
                    .await?;
                elevate_backend::db::MIGRATOR.run(&pool).await?;
                pool.close().await;
            }
            conn.execute(format!("ALTER DATABASE {building} RENAME TO {tpl}").as_str())
                .await?;
        }
        anyhow::Ok(())
    }
    .await;
    conn.execute("SELECT pg_advisory_unlock(774411)").await?;
    result?;
    Ok(tpl)
}

/// Drops test databases left by runs that finished more than two hours ago.
async fn drop_stale(conn: &mut PgConnection) -> anyhow::Result<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let names: Vec<String> =
        sqlx::query_scalar(r"SELECT datname FROM pg_database WHERE datname LIKE 'elevate\_t\_%'")
            .fetch_all(&mut *conn)
            .await?;
    for name in names {
        let Some(ts) = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok()) else {
            continue;
        };
        if now.saturating_sub(ts) > 7200 {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
    Ok(())
}

impl TestDb {
    pub async fn new() -> anyhow::Result<Self> {
        let mut conn = maintenance().await?;
        let tpl = ensure_template(&mut conn).await?;
        let _ = drop_stale(&mut conn).await;
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let name = format!("elevate_t_{now}_{}", uuid::Uuid::new_v4().simple());
        conn.execute(format!("CREATE DATABASE {name} TEMPLATE {tpl}").as_str())
            .await?;
        conn.close().await?;
        let owner = PgPoolOptions::new()
            .max_connections(4)
            .connect(&owner_url(&name))
            .await?;
        let app = PgPoolOptions::new()
            .max_connections(10)
            .connect(&app_url(&name))
            .await?;
        Ok(Self { name, owner, app })
    }

    /// A database with no migrations, for tests that build their own schema.
    pub async fn empty() -> anyhow::Result<Self> {
        let mut conn = maintenance().await?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let name = format!("elevate_t_{now}_{}", uuid::Uuid::new_v4().simple());
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        conn.close().await?;
        let owner = PgPoolOptions::new()
            .max_connections(2)
            .connect(&owner_url(&name))
            .await?;
        let app = PgPoolOptions::new()
            .max_connections(2)
            .connect(&app_url(&name))
            .await?;
        Ok(Self { name, owner, app })
    }
}
