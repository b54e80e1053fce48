-- Domain events and the audit trail: one append-only, per-tenant, hash-chained log.
-- Each row stores the hash of the previous row of its tenant, so editing or deleting
-- a row (possible only for the owner) breaks the chain at that row.

CREATE TABLE event_streams (
    tenant_id  uuid PRIMARY KEY DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    last_seq   bigint NOT NULL DEFAULT 0,
    last_hash  bytea NOT NULL DEFAULT '\x'::bytea
);
ALTER TABLE event_streams ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_streams FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_streams
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

CREATE TABLE events (
    id             uuid NOT NULL,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    seq            bigint NOT NULL,
    kind           text NOT NULL,
    actor_user_id  uuid,
    request_id     text,
    subject_type   text,
    subject_id     uuid,
    data           jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    prev_hash      bytea NOT NULL,
    hash           bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq),
    CONSTRAINT events_id_key UNIQUE (id),
    CONSTRAINT events_kind_format CHECK (kind ~ '^[a-z_]+(\.[a-z_]+)+$')
);
CREATE INDEX idx_events_tenant_kind_seq ON events (tenant_id, kind, seq);
CREATE INDEX idx_events_tenant_subject ON events (tenant_id, subject_id);
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON events
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
-- Append-only for the server.
REVOKE UPDATE, DELETE, TRUNCATE ON events FROM elevate_app;

CREATE FUNCTION event_hash(
    p_prev bytea, p_tenant uuid, p_seq bigint, p_id uuid, p_kind text, p_actor uuid,
    p_request_id text, p_subject_type text, p_subject_id uuid, p_data jsonb, p_created_at timestamptz
) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(p_prev || convert_to(concat_ws('|',
      p_tenant::text, p_seq::text, p_id::text, p_kind,
      coalesce(p_actor::text, ''), coalesce(p_request_id, ''),
      coalesce(p_subject_type, ''), coalesce(p_subject_id::text, ''),
      p_data::text,
      ((extract(epoch FROM p_created_at) * 1000000)::bigint)::text), 'UTF8'))
$$;

-- Appends one event for the current tenant. Runs as the caller, so RLS applies.
-- The stream row lock serialises appends per tenant until the transaction ends,
-- which keeps seq gap-free and the chain linear.
CREATE FUNCTION append_event(
    p_id uuid, p_kind text, p_actor uuid, p_request_id text,
    p_subject_type text, p_subject_id uuid, p_data jsonb
) RETURNS events
LANGUAGE plpgsql AS $$
DECLARE
  s event_streams;
  e events;
BEGIN
  IF app_current_tenant() IS NULL THEN
    RAISE EXCEPTION 'append_event needs app.tenant_id' USING ERRCODE = '42501';
  END IF;
  INSERT INTO event_streams (tenant_id) VALUES (app_current_tenant()) ON CONFLICT (tenant_id) DO NOTHING;
  SELECT * INTO STRICT s FROM event_streams WHERE tenant_id = app_current_tenant() FOR UPDATE;
  e.id := p_id;
  e.tenant_id := s.tenant_id;
  e.seq := s.last_seq + 1;
  e.kind := p_kind;
  e.actor_user_id := p_actor;
  e.request_id := p_request_id;
  e.subject_type := p_subject_type;
  e.subject_id := p_subject_id;
  e.data := coalesce(p_data, '{}'::jsonb);
  e.created_at := now();
  e.prev_hash := s.last_hash;
  e.hash := event_hash(e.prev_hash, e.tenant_id, e.seq, e.id, e.kind, e.actor_user_id,
                       e.request_id, e.subject_type, e.subject_id, e.data, e.created_at);
  INSERT INTO events VALUES (e.*);
  UPDATE event_streams SET last_seq = e.seq, last_hash = e.hash WHERE tenant_id = s.tenant_id;
  RETURN e;
END
$$;
