-- The move path's statements, trimmed.
--
-- stock_moves_seq_idx (sync pulls) and stock_moves_tenant_seq_idx (the web
-- view's move feed) index the same columns, (tenant_id, seq): every move wrote
-- both. One serves both readers.
DROP INDEX stock_moves_tenant_seq_idx;

-- Sealing commits asynchronously (synchronous_commit off, for the seal's own
-- transaction only). A seal is derived data: it moves committed pending events
-- into the chain. If a crash loses a seal that was not yet flushed, the delete
-- of the pending rows is lost with it, the worker's sweep seals them again, and
-- the result is the same chain (same order by pending_id, same seq, same
-- hashes, as every input comes from the pending row and the stream row that the
-- crash also rolled back). Any later synchronous commit flushes the WAL past the
-- seal, so a seal can only be lost together with everything after it. The
-- request that waited for the seal no longer waits for a second flush.
--
-- Called in a transaction that already wrote something, it keeps that
-- transaction synchronous; callers run it in its own transaction.
CREATE OR REPLACE FUNCTION seal_pending_events(p_tenant uuid) RETURNS SETOF events
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
  IF pg_current_xact_id_if_assigned() IS NULL THEN
    -- Nothing else in this transaction is written: commit without waiting for
    -- the WAL flush (see above).
    PERFORM set_config('synchronous_commit', 'off', true);
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

