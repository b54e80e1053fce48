-- Foundation: tenants, users, row-level security helpers.
-- Runs as elevate_owner. The server connects as elevate_app, which has no
-- BYPASSRLS, so every policy below is enforced for it.

-- Objects created by the owner from here on are usable by the app role.
GRANT USAGE ON SCHEMA public TO elevate_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO elevate_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO elevate_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO elevate_app;

-- The tenant of the current transaction, set by the server with
-- set_config('app.tenant_id', ..., true). NULL when unset, so policies match nothing.
CREATE FUNCTION app_current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;

CREATE FUNCTION app_current_user() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NULLIF(current_setting('app.user_id', true), '')::uuid
$$;

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE tenants (
    id             uuid PRIMARY KEY,
    slug           text NOT NULL,
    name           text NOT NULL,
    -- White-label settings: display name, colours and logo shown to the tenant's users.
    display_name   text NOT NULL,
    brand_primary  text NOT NULL DEFAULT '#3730A3',
    brand_accent   text NOT NULL DEFAULT '#0D9488',
    logo_url       text,
    settings       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
    CONSTRAINT tenants_brand_primary_hex CHECK (brand_primary ~ '^#[0-9A-Fa-f]{6}$'),
    CONSTRAINT tenants_brand_accent_hex CHECK (brand_accent ~ '^#[0-9A-Fa-f]{6}$'),
    CONSTRAINT tenants_settings_object CHECK (jsonb_typeof(settings) = 'object')
);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = app_current_tenant())
    WITH CHECK (id = app_current_tenant());

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email          text NOT NULL,
    display_name   text NOT NULL,
    password_hash  text,
    is_active      boolean NOT NULL DEFAULT true,
    roles          text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    created_by_id  uuid,
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, email);
CREATE INDEX idx_users_tenant_id ON users (tenant_id);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

-- Login starts before the tenant is known. This narrow definer function (run as the
-- owner, which may bypass RLS) returns only the id of a tenant by slug; everything
-- after that runs inside the tenant's RLS scope.
CREATE FUNCTION auth_tenant_id_by_slug(p_slug text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM tenants WHERE slug = lower(p_slug)
$$;
REVOKE ALL ON FUNCTION auth_tenant_id_by_slug(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_tenant_id_by_slug(text) TO elevate_app;
