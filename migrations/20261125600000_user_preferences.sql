-- Per-user preferences of the web view: theme, language and the dashboard layout.
-- One row per user; a missing row means the defaults (follow the system theme, the
-- browser's language, the default widgets).
CREATE TABLE user_preferences (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    theme        text NOT NULL DEFAULT 'system',
    language     text,
    -- Ordered widget ids, e.g. ["stock_value", "low_stock"]; NULL = the default layout.
    dashboard    jsonb,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_preferences_theme_check CHECK (theme IN ('system', 'light', 'dark')),
    CONSTRAINT user_preferences_language_check CHECK (language IS NULL OR language ~ '^[a-z]{2}$'),
    CONSTRAINT user_preferences_dashboard_array CHECK (dashboard IS NULL OR jsonb_typeof(dashboard) = 'array')
);
CREATE INDEX user_preferences_tenant_idx ON user_preferences (tenant_id);
CREATE TRIGGER user_preferences_updated_at BEFORE UPDATE ON user_preferences
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE user_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_preferences FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_preferences
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON user_preferences TO elevate_app;
