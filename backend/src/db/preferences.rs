//! A user's web-view preferences (theme, language, dashboard layout).

use sqlx::PgConnection;
use uuid::Uuid;

/// What is stored for a user; `None` fields mean "the default".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// `system`, `light` or `dark`.
    pub theme: String,
    pub language: Option<String>,
    /// Ordered widget ids.
    pub dashboard: Option<Vec<String>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    theme: String,
    language: Option<String>,
    dashboard: Option<sqlx::types::Json<Vec<String>>>,
}

/// The user's preferences, or the defaults when nothing was saved yet.
pub async fn get(conn: &mut PgConnection, user: Uuid) -> Result<Preferences, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT theme, language, dashboard FROM user_preferences WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => Preferences {
            theme: r.theme,
            language: r.language,
            dashboard: r.dashboard.map(|d| d.0),
        },
        None => Preferences {
            theme: "system".into(),
            ..Preferences::default()
        },
    })
}

/// Stores the theme (`system`, `light` or `dark`; the CHECK constraint guards it).
pub async fn set_theme(
    conn: &mut PgConnection,
    user: Uuid,
    theme: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_preferences (user_id, theme) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET theme = EXCLUDED.theme",
    )
    .bind(user)
    .bind(theme)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the language tag (two lowercase letters).
pub async fn set_language(
    conn: &mut PgConnection,
    user: Uuid,
    language: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_preferences (user_id, language) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET language = EXCLUDED.language",
    )
    .bind(user)
    .bind(language)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the dashboard's widget order.
pub async fn set_dashboard(
    conn: &mut PgConnection,
    user: Uuid,
    widgets: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_preferences (user_id, dashboard) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET dashboard = EXCLUDED.dashboard",
    )
    .bind(user)
    .bind(sqlx::types::Json(widgets))
    .execute(conn)
    .await?;
    Ok(())
}
