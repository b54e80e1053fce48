//! Outgoing e-mail: rows in `email_outbox` written inside the transaction that causes
//! them, then handed to a pluggable [`EmailSender`]. The default sender logs the
//! recipient and subject (never the body, which may hold a one-time link); the file
//! sender writes each message to a directory for development and tests.

use std::path::PathBuf;

use futures::future::BoxFuture;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Email {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub trait EmailSender: Send + Sync {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, anyhow::Result<()>>;
}

pub struct LogSender;

impl EmailSender for LogSender {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            tracing::info!(to = %email.to, subject = %email.subject, id = %email.id, "e-mail sent (log sender)");
            Ok(())
        })
    }
}

pub struct FileSender {
    pub dir: PathBuf,
}

impl EmailSender for FileSender {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            tokio::fs::create_dir_all(&self.dir).await?;
            let text = format!(
                "To: {}\nSubject: {}\n\n{}\n",
                email.to, email.subject, email.body
            );
            tokio::fs::write(self.dir.join(format!("{}.eml", email.id)), text).await?;
            Ok(())
        })
    }
}

/// Queues a message in the current tenant scope.
pub async fn enqueue(
    conn: &mut PgConnection,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO email_outbox (id, to_address, subject, body) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(to)
        .bind(subject)
        .bind(body)
        .execute(conn)
        .await?;
    Ok(id)
}

/// Sends the tenant's pending messages. Runs after the enqueuing transaction commits.
pub async fn dispatch(
    pool: &PgPool,
    tenant: Uuid,
    sender: &dyn EmailSender,
) -> anyhow::Result<usize> {
    let mut tx = crate::http::ctx::begin_tenant_tx(pool, tenant, None).await?;
    let rows: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "SELECT id, to_address, subject, body FROM email_outbox
          WHERE sent_at IS NULL AND attempts < 5 ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for (id, to, subject, body) in rows {
        let email = Email {
            id,
            to,
            subject,
            body,
        };
        match sender.send(&email).await {
            Ok(()) => {
                sqlx::query("UPDATE email_outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sent += 1;
            }
            Err(e) => {
                sqlx::query("UPDATE email_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1")
                    .bind(id)
                    .bind(format!("{e:#}"))
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}
