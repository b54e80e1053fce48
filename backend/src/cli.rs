//! Command line: one binary for every process role.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{redact_url, Settings};
use crate::state::{check_app_role, connect_db, AppState};

#[derive(Parser)]
#[command(name = "elevate", version, about = "ElevateCRM by TECHGURU")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, its docs and the web view.
    Serve,
    /// Apply database migrations (connects as the schema owner).
    Migrate,
    /// Create the demo tenant with realistic data (idempotent) and print its sign-in details.
    SeedDemo,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Deliver the outbox (webhooks) without serving HTTP; run several for scale.
    Worker,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: the configuration is not valid: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(run(cli.command, settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Openapi => {
            println!("{}", crate::http::openapi().to_pretty_json()?);
        }
        Command::Migrate => {
            let pool = connect_db(
                &settings.database.owner_url,
                2,
                settings.database.connect_timeout_secs,
            )
            .await?;
            tracing::info!(url = %redact_url(&settings.database.owner_url), "applying migrations");
            crate::db::MIGRATOR.run(&pool).await?;
            println!(
                "migrations applied ({} known)",
                crate::db::MIGRATOR.iter().count()
            );
        }
        Command::SeedDemo => {
            let state = AppState::build(settings).await?;
            let creds = crate::seed::seed_demo(&state.db).await?;
            println!("{creds}");
        }
        Command::Serve => serve(settings).await?,
        Command::Worker => {
            let db = connect_db(
                &settings.database.url,
                settings.database.max_connections,
                settings.database.connect_timeout_secs,
            )
            .await?;
            check_app_role(&db).await?;
            println!("ElevateCRM outbox worker started");
            let (tx, rx) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                let _ = tx.send(true);
            });
            let push = crate::push::from_settings(&settings.push)?;
            crate::worker::run(db, settings.worker.clone(), push, rx).await?;
        }
    }
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let bind = settings.http.bind.clone();
    let state = AppState::build(settings).await?;
    let pending = pending_migrations(&state.db).await;
    if pending > 0 {
        return Err(anyhow::anyhow!(
            "the database is missing {pending} migration(s); run `elevate migrate` first"
        ));
    }
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    tracing::info!(%bind, "serving");
    println!("ElevateCRM is serving on http://{bind} (API docs: http://{bind}/api/docs)");
    // Load (or create) the token signing keys now, so a key problem stops start-up.
    state.keys.reload().await?;
    let (stop_worker, worker_stop) = tokio::sync::watch::channel(false);
    let worker = state.settings.worker.in_serve.then(|| {
        let db = state.db.clone();
        let cfg = state.settings.worker.clone();
        let push = crate::push::from_settings(&state.settings.push);
        tokio::spawn(async move {
            let push = match push {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "push is not configured correctly");
                    None
                }
            };
            if let Err(e) = crate::worker::run(db, cfg, push, worker_stop).await {
                tracing::error!(error = format!("{e:#}"), "outbox worker failed");
            }
        })
    });
    axum::serve(
        listener,
        crate::http::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let _ = stop_worker.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    Ok(())
}

/// Migrations in the binary that the database has not applied (the app role may read
/// `_sqlx_migrations` only if granted; an unreadable table counts as "unknown" = 0).
async fn pending_migrations(db: &sqlx::PgPool) -> usize {
    let applied: Result<Vec<i64>, _> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(db)
            .await;
    match applied {
        Ok(applied) => crate::db::MIGRATOR
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count(),
        Err(_) => 0,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
