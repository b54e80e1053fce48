-- The transactional outbox and webhook subscriptions.
--
-- An event row inserted by append_event() fans out, in the same transaction, into one
-- outbox row per matching destination (a webhook subscription). Nothing is sent from
-- the request: workers deliver the outbox at least once, in event order per
-- destination, with backoff, a per-destination circuit breaker and a dead letter.
--
-- Workers serve every tenant, but the server role stays under forced RLS: the only
-- cross-tenant step is outbox_claim_destination(), a narrow SECURITY DEFINER function
-- that locks one due destination (FOR NO KEY UPDATE SKIP LOCKED, so the lock lives in
-- the worker's transaction and dies with its connection) and returns its id and
-- tenant. The worker then sets app.tenant_id in that transaction, and every read and
-- write after that is an ordinary tenant-scoped query.

CREATE TABLE webhook_subscriptions (
    id                     uuid PRIMARY KEY,
    tenant_id              uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    url                    text NOT NULL,
    -- Exact kinds (`stock.moved`), prefixes ending in a dot (`stock.`) or `*`.
    event_types            text[] NOT NULL,
    description            text,
    -- HMAC-SHA256 signing secret, and the previous one while a rotation is in progress.
    secret                 text NOT NULL,
    previous_secret        text,
    previous_secret_until  timestamptz,
    is_active              boolean NOT NULL DEFAULT true,
    created_by_id          uuid,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_subscriptions_url_check CHECK (url ~ '^https?://'),
    CONSTRAINT webhook_subscriptions_types_check CHECK (cardinality(event_types) BETWEEN 1 AND 50)
);
CREATE INDEX idx_webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id) WHERE is_active;
CREATE TRIGGER webhook_subscriptions_updated_at BEFORE UPDATE ON webhook_subscriptions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE webhook_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_subscriptions
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

-- Where deliveries go: one row per webhook subscription (same id). Holds the
-- per-destination retry clock and circuit breaker; a worker locks the row while it
-- delivers, which is what keeps a destination's deliveries in order.
CREATE TABLE outbox_destinations (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    kind                  text NOT NULL,
    -- The head delivery is not retried before this (backoff, or an open circuit).
    next_attempt_at       timestamptz NOT NULL DEFAULT now(),
    consecutive_failures  integer NOT NULL DEFAULT 0,
    circuit_open_until    timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outbox_destinations_kind_check CHECK (kind IN ('webhook', 'notify'))
);
CREATE INDEX idx_outbox_destinations_due ON outbox_destinations (next_attempt_at);
ALTER TABLE outbox_destinations ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox_destinations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox_destinations
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

-- One delivery of one event to one destination. `id` is the delivery id receivers
-- dedupe by; it does not change across retries. Delivered and dead rows stay as the
-- delivery log.
CREATE TABLE outbox (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    destination_id    uuid NOT NULL REFERENCES outbox_destinations (id) ON DELETE CASCADE,
    event_id          uuid NOT NULL,
    event_seq         bigint NOT NULL,
    event_kind        text NOT NULL,
    status            text NOT NULL DEFAULT 'pending',
    attempts          integer NOT NULL DEFAULT 0,
    last_attempt_at   timestamptz,
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz,
    CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'delivered', 'dead'))
);
CREATE INDEX idx_outbox_pending ON outbox (destination_id, event_seq, created_at) WHERE status = 'pending';
CREATE INDEX idx_outbox_destination_log ON outbox (tenant_id, destination_id, created_at DESC);
CREATE INDEX idx_outbox_event ON outbox (tenant_id, event_id);
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
REVOKE TRUNCATE ON outbox FROM elevate_app;

-- Fills the outbox in the inserting transaction. Runs as the caller (RLS applies:
-- only the event's own tenant's subscriptions are visible). Wakes idle workers on
-- commit through NOTIFY (identical notifications in one transaction are folded).
CREATE FUNCTION outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (id, tenant_id, destination_id, event_id, event_seq, event_kind)
  SELECT gen_random_uuid(), NEW.tenant_id, s.id, NEW.id, NEW.seq, NEW.kind
    FROM webhook_subscriptions s
   WHERE s.is_active AND s.tenant_id = NEW.tenant_id
     AND EXISTS (SELECT 1 FROM unnest(s.event_types) t
                  WHERE t = '*' OR t = NEW.kind
                     OR (right(t, 1) = '.' AND starts_with(NEW.kind, t)));
  IF FOUND THEN
    PERFORM pg_notify('elevate_outbox', '');
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER events_outbox AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION outbox_enqueue();

-- The workers' one cross-tenant step: lock one destination that has a due pending
-- delivery and an unopened circuit, skipping rows other workers hold. Returns only
-- identifiers; the caller continues inside the returned tenant's RLS scope.
-- FOR NO KEY UPDATE (not FOR UPDATE) so that event appends, which take a key-share
-- lock on the destination through the outbox foreign key, never wait for a worker.
CREATE FUNCTION outbox_claim_destination()
RETURNS TABLE (destination_id uuid, tenant_id uuid, kind text, consecutive_failures integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT d.id, d.tenant_id, d.kind, d.consecutive_failures
    FROM outbox_destinations d
   WHERE d.next_attempt_at <= now()
     AND EXISTS (SELECT 1 FROM outbox o WHERE o.destination_id = d.id AND o.status = 'pending')
   ORDER BY d.next_attempt_at
   LIMIT 1
   FOR NO KEY UPDATE OF d SKIP LOCKED
$$;
REVOKE ALL ON FUNCTION outbox_claim_destination() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_claim_destination() TO elevate_app;
