-- Events of hot write paths (stock moves, reorder suggestions) are chained after
-- their transaction commits instead of inside it.
--
-- append_event() takes the tenant's stream row lock and holds it to the end of
-- the writer's transaction, WAL flush included, so writers of one tenant commit
-- one at a time and cannot share a flush. Moves instead insert their event into
-- `event_pending` (no shared row touched) in the same transaction as the move,
-- so the event exists exactly when the move does; right after the commit the
-- server calls seal_pending_events(), which moves every committed pending event
-- of the tenant into the hash chain in one transaction. Concurrent sealers queue
-- on an advisory lock (no WAL, no transaction id) and leave without writing when
-- an earlier sealer already took their events, so one flush seals a whole batch.
-- Events left pending by a crash between the two steps are sealed by the
-- worker's sweep (event_pending_tenants()).

CREATE TABLE event_pending (
    pending_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             uuid NOT NULL,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    actor_user_id  uuid,
    request_id     text,
    subject_type   text,
    subject_id     uuid,
    data           jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT event_pending_id_key UNIQUE (id),
    CONSTRAINT event_pending_kind_format CHECK (kind ~ '^[a-z_]+(\.[a-z_]+)+$')
);
CREATE INDEX idx_event_pending_tenant ON event_pending (tenant_id, pending_id);
ALTER TABLE event_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_pending
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
-- Rows are only inserted by writers and removed by the sealer.
REVOKE UPDATE, TRUNCATE ON event_pending FROM elevate_app;

-- Chains the tenant's committed pending events, oldest first, and returns them
-- as sealed. Runs as the caller, so RLS applies; it sets app.tenant_id itself
-- (transaction-local) so the server can call it in one round trip after commit.
CREATE FUNCTION seal_pending_events(p_tenant uuid) RETURNS SETOF events
LANGUAGE plpgsql AS $$
DECLARE
  st event_streams;
  p event_pending;
  e events;
BEGIN
  IF p_tenant IS NULL THEN
    RAISE EXCEPTION 'seal_pending_events needs a tenant' USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  IF NOT EXISTS (SELECT 1 FROM event_pending WHERE tenant_id = p_tenant) THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('event_seal:' || p_tenant::text, 0));
  -- A sealer that held the lock before us may have taken our events already:
  -- then leave without writing, so this transaction needs no WAL flush.
  IF NOT EXISTS (SELECT 1 FROM event_pending WHERE tenant_id = p_tenant) THEN
    RETURN;
  END IF;
  INSERT INTO event_streams (tenant_id) VALUES (p_tenant) ON CONFLICT (tenant_id) DO NOTHING;
  SELECT * INTO STRICT st FROM event_streams WHERE tenant_id = p_tenant FOR UPDATE;
  FOR p IN
    WITH d AS (DELETE FROM event_pending WHERE tenant_id = p_tenant RETURNING *)
    SELECT * FROM d ORDER BY pending_id
  LOOP
    e.id := p.id;
    e.tenant_id := p_tenant;
    e.seq := st.last_seq + 1;
    e.kind := p.kind;
    e.actor_user_id := p.actor_user_id;
    e.request_id := p.request_id;
    e.subject_type := p.subject_type;
    e.subject_id := p.subject_id;
    e.data := p.data;
    e.created_at := p.created_at;
    e.prev_hash := st.last_hash;
    e.hash := event_hash(e.prev_hash, e.tenant_id, e.seq, e.id, e.kind, e.actor_user_id,
                         e.request_id, e.subject_type, e.subject_id, e.data, e.created_at);
    INSERT INTO events VALUES (e.*);
    st.last_seq := e.seq;
    st.last_hash := e.hash;
    RETURN NEXT e;
  END LOOP;
  UPDATE event_streams SET last_seq = st.last_seq, last_hash = st.last_hash
   WHERE tenant_id = p_tenant;
  RETURN;
END
$$;

-- The worker's sweep: tenants with events pending for longer than `older_than`
-- (left behind by a crash between a move's commit and its seal). The one
-- cross-tenant step; it answers only tenant ids.
CREATE FUNCTION event_pending_tenants(older_than interval)
RETURNS TABLE (tenant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT p.tenant_id FROM event_pending p WHERE p.created_at < now() - older_than
$$;
REVOKE ALL ON FUNCTION event_pending_tenants(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION event_pending_tenants(interval) TO elevate_app;
