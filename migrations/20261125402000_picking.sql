-- Pick lists: a wave of order lines, each reserved at a source location
-- (earliest expiry, then oldest lot first) and walked in location-path order.
-- `order_ref` is the outgoing order line the pick serves (free text until the
-- sales order model takes it over).

CREATE TABLE pick_lists (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    warehouse_id        uuid NOT NULL REFERENCES locations (id),
    output_location_id  uuid NOT NULL REFERENCES locations (id),
    status              text NOT NULL DEFAULT 'open',
    created_by_id       uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    done_at             timestamptz,
    sync_version        bigint NOT NULL DEFAULT nextval('sync_version_seq'),
    sync_xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT pick_lists_status_check CHECK (status IN ('open', 'done'))
);

CREATE TABLE pick_lines (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    pick_list_id    uuid REFERENCES pick_lists (id),
    -- Position in the walk, by location path.
    walk_seq        integer NOT NULL,
    order_ref       text NOT NULL,
    product_id      uuid NOT NULL REFERENCES products (id),
    location_id     uuid REFERENCES locations (id),
    lot_id          uuid REFERENCES lots (id),
    reservation_id  uuid REFERENCES stock_reservations (id),
    qty             numeric(20, 6) NOT NULL,
    picked_qty      numeric(20, 6) NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'open',
    short_reason    text,
    -- For a backorder line: the short-picked line it continues.
    backorder_of    uuid REFERENCES pick_lines (id),
    move_id         uuid REFERENCES stock_moves (id),
    picked_by_id    uuid,
    picked_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    sync_version    bigint NOT NULL DEFAULT nextval('sync_version_seq'),
    sync_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT pick_lines_qty_check CHECK (qty > 0 AND picked_qty >= 0 AND picked_qty <= qty),
    CONSTRAINT pick_lines_status_check CHECK (status IN ('open', 'picked', 'short', 'backorder'))
);
CREATE INDEX pick_lines_list_idx ON pick_lines (pick_list_id, walk_seq);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['pick_lists', 'pick_lines']
  LOOP
    EXECUTE format('CREATE INDEX %I ON %I (tenant_id, sync_xid, sync_version)', t || '_sync_idx', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION sync_stamp()', t || '_sync_stamp', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION set_updated_at()', t || '_updated_at', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
