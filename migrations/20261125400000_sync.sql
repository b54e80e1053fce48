-- Offline sync: registered devices, the exactly-once log of operations pushed by
-- them, and change stamps on the reference data phones cache.

-- A phone (or other offline client) of one user. Revoking it refuses its pushes.
CREATE TABLE devices (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           text NOT NULL,
    platform       text,
    -- Every device_seq from 1 to acked_seq has been received.
    acked_seq      bigint NOT NULL DEFAULT 0,
    -- The highest device_seq received.
    high_seq       bigint NOT NULL DEFAULT 0,
    last_push_at   timestamptz,
    revoked_at     timestamptz,
    revoked_by_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT devices_seq_check CHECK (acked_seq >= 0 AND high_seq >= acked_seq)
);
CREATE INDEX devices_user_idx ON devices (tenant_id, user_id);

-- Every operation a device pushed, once. The primary key on op_id is what makes
-- a retried or duplicated push apply nothing twice.
CREATE TABLE sync_ops (
    op_id          uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    device_id      uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    device_seq     bigint NOT NULL,
    kind           text NOT NULL,
    payload        jsonb NOT NULL,
    -- When the device recorded the operation (its clock).
    created_at     timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    user_id        uuid NOT NULL,
    status         text NOT NULL,
    error_code     text,
    error_message  text,
    -- What applying it produced (e.g. the stock move id).
    result         jsonb,
    CONSTRAINT sync_ops_status_check CHECK (status IN ('applied', 'rejected')),
    CONSTRAINT sync_ops_seq_check CHECK (device_seq > 0)
);
CREATE UNIQUE INDEX sync_ops_device_seq_key ON sync_ops (device_id, device_seq);
-- Status and result are written once, in the pushing transaction; never deleted.
REVOKE DELETE ON sync_ops FROM elevate_app;

-- Change stamps for pull. Every insert or update of a synced row takes the next
-- value of one global sequence and the writing transaction's id. A pull reads
-- rows ordered by (sync_xid, sync_version); see docs/SYNC.md for why the
-- transaction id makes the cursor safe against late commits.
CREATE SEQUENCE sync_version_seq;
GRANT USAGE, SELECT ON SEQUENCE sync_version_seq TO elevate_app;

CREATE FUNCTION sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sync_version := nextval('sync_version_seq');
    NEW.sync_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;

-- The newest ledger position (a counter's snapshot) in O(log n).
CREATE INDEX stock_moves_seq_idx ON stock_moves (tenant_id, seq);

-- Deleted synced rows leave a tombstone so phones drop them too.
CREATE TABLE sync_tombstones (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    entity        text NOT NULL,
    entity_id     uuid NOT NULL,
    deleted_at    timestamptz NOT NULL DEFAULT now(),
    sync_version  bigint NOT NULL DEFAULT nextval('sync_version_seq'),
    sync_xid      xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX sync_tombstones_sync_idx ON sync_tombstones (tenant_id, sync_xid, sync_version);
REVOKE UPDATE, DELETE ON sync_tombstones FROM elevate_app;

CREATE FUNCTION sync_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_tombstones (tenant_id, entity, entity_id)
    VALUES (OLD.tenant_id, TG_ARGV[0], OLD.id);
    RETURN OLD;
END
$$;

DO $$
DECLARE
  t text;
  e text;
BEGIN
  FOR t, e IN VALUES ('products', 'product'), ('product_barcodes', 'barcode'),
      ('locations', 'location'), ('lots', 'lot'), ('quants', 'quant')
  LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN sync_version bigint NOT NULL '
                   'DEFAULT nextval(''sync_version_seq''), '
                   'ADD COLUMN sync_xid xid8 NOT NULL DEFAULT pg_current_xact_id()', t);
    EXECUTE format('CREATE INDEX %I ON %I (tenant_id, sync_xid, sync_version)', t || '_sync_idx', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION sync_stamp()', t || '_sync_stamp', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION sync_tombstone(%L)', t || '_sync_tombstone', t, e);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['devices', 'sync_ops', 'sync_tombstones']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
