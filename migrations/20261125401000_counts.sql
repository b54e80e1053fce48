-- Count sessions: what is counted, every count entry of every counter (kept
-- append-only), and the adjustments posted on approval (one per bin and session).

CREATE TABLE count_sessions (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    status         text NOT NULL DEFAULT 'open',
    blind          boolean NOT NULL DEFAULT true,
    mode           text NOT NULL DEFAULT 'compare',
    warehouse_id   uuid NOT NULL REFERENCES locations (id),
    location_ids   uuid[] NOT NULL DEFAULT '{}',
    product_ids    uuid[] NOT NULL DEFAULT '{}',
    tolerance_qty  numeric(20, 6) NOT NULL DEFAULT 0,
    tolerance_pct  numeric(9, 4) NOT NULL DEFAULT 0,
    -- The ledger position when the session opened.
    snapshot_seq   bigint NOT NULL,
    -- Cycle counts: [{product_id, class, measure, last_counted, due}]
    abc            jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_by_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz,
    sync_version   bigint NOT NULL DEFAULT nextval('sync_version_seq'),
    sync_xid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT count_sessions_kind_check CHECK (kind IN ('full', 'cycle', 'spot')),
    CONSTRAINT count_sessions_status_check CHECK (status IN ('open', 'closed')),
    CONSTRAINT count_sessions_mode_check CHECK (mode IN ('sum', 'compare')),
    CONSTRAINT count_sessions_tolerance_check CHECK (tolerance_qty >= 0 AND tolerance_pct >= 0)
);
CREATE INDEX count_sessions_sync_idx ON count_sessions (tenant_id, sync_xid, sync_version);
CREATE TRIGGER count_sessions_sync_stamp BEFORE INSERT OR UPDATE ON count_sessions
    FOR EACH ROW EXECUTE FUNCTION sync_stamp();
CREATE TRIGGER count_sessions_updated_at BEFORE UPDATE ON count_sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every count a counter recorded; `id` is the sync op id (or a server-made id
-- for REST), so an entry exists once. Recounts are new rows: the latest entry
-- of a counter counts (domain::count).
CREATE TABLE count_entries (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    session_id      uuid NOT NULL REFERENCES count_sessions (id),
    counter_id      uuid NOT NULL,
    location_id     uuid NOT NULL REFERENCES locations (id),
    product_id      uuid NOT NULL REFERENCES products (id),
    lot_id          uuid REFERENCES lots (id),
    counted_qty     numeric(20, 6) NOT NULL,
    based_on_seq    bigint NOT NULL,
    -- The ledger quantity of the bin at based_on_seq, and how many moves touched it.
    snapshot_qty    numeric(20, 6) NOT NULL,
    snapshot_moves  bigint NOT NULL,
    counted_at      timestamptz NOT NULL,
    device_id       uuid,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT count_entries_qty_check CHECK (counted_qty >= 0)
);
CREATE INDEX count_entries_session_idx ON count_entries (session_id, location_id, product_id);
REVOKE UPDATE, DELETE ON count_entries FROM elevate_app;

-- One posting per (session, bin): the unique index is what makes approving
-- twice post nothing twice.
CREATE TABLE count_postings (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    session_id      uuid NOT NULL REFERENCES count_sessions (id),
    location_id     uuid NOT NULL REFERENCES locations (id),
    product_id      uuid NOT NULL REFERENCES products (id),
    lot_id          uuid REFERENCES lots (id),
    counted_qty     numeric(20, 6) NOT NULL,
    expected_qty    numeric(20, 6) NOT NULL,
    adjustment      numeric(20, 6) NOT NULL,
    value           numeric(20, 6) NOT NULL,
    within_tolerance boolean NOT NULL,
    reason_code     text NOT NULL,
    move_id         uuid REFERENCES stock_moves (id),
    approved_by_id  uuid,
    approved_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX count_postings_key ON count_postings (session_id, location_id, product_id, lot_id)
    NULLS NOT DISTINCT;
CREATE INDEX count_postings_product_idx ON count_postings (tenant_id, product_id, approved_at);
REVOKE UPDATE, DELETE ON count_postings FROM elevate_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['count_sessions', 'count_entries', 'count_postings']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
