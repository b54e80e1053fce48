-- Identity and access: token signing keys, sessions with rotating refresh tokens,
-- TOTP and backup codes, per-tenant roles, API keys, invitation and reset tokens,
-- the e-mail outbox and lockout counters. Auth events go to the event log (events).

-- Token signing keys are platform-wide (a token names its tenant, the key does not).
-- The app role has no privilege on the table; it reaches it only through the narrow
-- definer functions below, so a bug in a tenant query can never read key material.
CREATE TABLE auth_signing_keys (
    kid          text PRIMARY KEY,
    alg          text NOT NULL CHECK (alg = 'EdDSA'),
    public_key   bytea NOT NULL,
    -- PKCS#8 private key: nonce || AES-256-GCM ciphertext when `encrypted`, else plain.
    private_key  bytea NOT NULL,
    encrypted    boolean NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Set when a newer key takes over signing; the key keeps verifying for one token TTL.
    retired_at   timestamptz
);
COMMENT ON TABLE auth_signing_keys IS 'rls-exempt: platform-wide token signing keys, no tenant data; the app role has no privileges and uses auth_signing_key_* definer functions';
REVOKE ALL ON auth_signing_keys FROM elevate_app;

CREATE FUNCTION auth_signing_key_list()
RETURNS TABLE (kid text, alg text, public_key bytea, private_key bytea, encrypted boolean,
               created_at timestamptz, retired_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT kid, alg, public_key, private_key, encrypted, created_at, retired_at
    FROM auth_signing_keys ORDER BY created_at DESC
$$;

-- Adds a key and retires every other active one in the same statement, so at most
-- one key signs at a time.
CREATE FUNCTION auth_signing_key_add(p_kid text, p_alg text, p_public bytea, p_private bytea, p_encrypted boolean)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE auth_signing_keys SET retired_at = now() WHERE retired_at IS NULL;
  INSERT INTO auth_signing_keys (kid, alg, public_key, private_key, encrypted)
  VALUES (p_kid, p_alg, p_public, p_private, p_encrypted);
$$;

-- Drops keys retired long enough ago that no token they signed can still be valid.
CREATE FUNCTION auth_signing_key_prune(p_older_than_secs bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  DELETE FROM auth_signing_keys
   WHERE retired_at IS NOT NULL AND retired_at < now() - make_interval(secs => p_older_than_secs);
$$;
REVOKE ALL ON FUNCTION auth_signing_key_list() FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_signing_key_add(text, text, bytea, bytea, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_signing_key_prune(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_signing_key_list() TO elevate_app;
GRANT EXECUTE ON FUNCTION auth_signing_key_add(text, text, bytea, bytea, boolean) TO elevate_app;
GRANT EXECUTE ON FUNCTION auth_signing_key_prune(bigint) TO elevate_app;

-- Lockout after repeated failures (exponential delay), and MFA state per user.
ALTER TABLE users
    ADD COLUMN failed_logins    integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until     timestamptz,
    ADD COLUMN password_changed_at timestamptz;

-- Per-tenant roles. `key` is what users.roles holds; built-in roles are seeded at sign-up.
CREATE TABLE roles (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    key          text NOT NULL,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    permissions  text[] NOT NULL DEFAULT '{}',
    built_in     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_key_format CHECK (key ~ '^[a-z][a-z0-9_-]{0,39}$')
);
CREATE UNIQUE INDEX roles_tenant_key_key ON roles (tenant_id, key);
CREATE TRIGGER roles_updated_at BEFORE UPDATE ON roles FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A session is one sign-in; its refresh tokens form a family. Reusing a spent
-- refresh token revokes the session (theft detection).
CREATE TABLE auth_sessions (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoke_reason  text,
    user_agent     text,
    ip             text,
    mfa            boolean NOT NULL DEFAULT false
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (tenant_id, user_id);

CREATE TABLE auth_refresh_tokens (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    used_at      timestamptz
);
CREATE UNIQUE INDEX auth_refresh_tokens_hash_key ON auth_refresh_tokens (token_hash);

CREATE TABLE auth_totp (
    user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id        uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    secret           bytea NOT NULL,
    confirmed_at     timestamptz,
    -- The last accepted RFC 6238 time step: a code at or before it is a replay.
    last_used_step   bigint NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth_backup_codes (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_backup_codes_user_idx ON auth_backup_codes (user_id);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    name          text NOT NULL,
    -- The first characters of the key, shown in lists so people can tell keys apart.
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL,
    permissions   text[] NOT NULL DEFAULT '{}',
    created_by_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash);

-- Single-use e-mailed tokens: invitations and password resets.
CREATE TABLE auth_user_tokens (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('invite', 'password_reset')),
    token_hash  bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX auth_user_tokens_hash_key ON auth_user_tokens (token_hash);

-- Outgoing e-mail, written in the same transaction as the change that causes it and
-- delivered afterwards by a pluggable sender.
CREATE TABLE email_outbox (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    to_address  text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text
);
CREATE INDEX email_outbox_pending_idx ON email_outbox (tenant_id, created_at) WHERE sent_at IS NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['roles', 'auth_sessions', 'auth_refresh_tokens', 'auth_totp',
      'auth_backup_codes', 'api_keys', 'auth_user_tokens', 'email_outbox']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
