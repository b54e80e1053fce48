//! The row-level-security audit: every table in the schema must have RLS enabled
//! *and forced* with a policy on the current tenant, unless its comment declares it
//! global with `rls-exempt: <reason>`. Used by the test suite and `elevate check-rls`.

use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RlsViolation {
    pub table: String,
    pub problem: String,
}

impl std::fmt::Display for RlsViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.table, self.problem)
    }
}

/// Lists the tables that break the tenant-isolation rules.
pub async fn violations(conn: &mut PgConnection) -> Result<Vec<RlsViolation>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct TableInfo {
        table: String,
        rls: bool,
        forced: bool,
        comment: Option<String>,
        has_tenant_id: bool,
        tenant_policies: i64,
        policies: i64,
    }
    let rows: Vec<TableInfo> = sqlx::query_as(
        r#"
        SELECT c.relname::text AS "table",
               c.relrowsecurity AS rls,
               c.relforcerowsecurity AS forced,
               obj_description(c.oid, 'pg_class') AS comment,
               EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                          AND NOT a.attisdropped) AS has_tenant_id,
               (SELECT count(*) FROM pg_policy p
                 WHERE p.polrelid = c.oid
                   AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app_current_tenant()%') AS tenant_policies,
               (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public'
           AND c.relkind IN ('r', 'p')
           AND c.relname <> '_sqlx_migrations'
           AND NOT c.relispartition
         ORDER BY c.relname
        "#,
    )
    .fetch_all(conn)
    .await?;

    let mut out = Vec::new();
    for t in rows {
        let exempt = t
            .comment
            .as_deref()
            .is_some_and(|c| c.trim_start().starts_with("rls-exempt:"));
        if exempt && !t.has_tenant_id {
            continue;
        }
        let mut problems = Vec::new();
        if !t.rls {
            problems.push("row-level security is not enabled");
        }
        if !t.forced {
            problems.push("row-level security is not forced");
        }
        if t.policies == 0 {
            problems.push("has no policy");
        } else if t.tenant_policies == 0 {
            problems.push("no policy restricts rows to app_current_tenant()");
        }
        if exempt && t.has_tenant_id {
            problems.push("has a tenant_id column but is marked rls-exempt");
        }
        out.extend(problems.into_iter().map(|p| RlsViolation {
            table: t.table.clone(),
            problem: p.to_owned(),
        }));
    }
    Ok(out)
}
