-- Inventory core: products and barcodes, the location tree, lots/serials, the
-- append-only stock ledger with its quants, valuation layers, settings and the
-- idempotency store used by every stock-changing POST.

CREATE TABLE products (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    sku              text NOT NULL,
    name             text NOT NULL,
    product_type     text NOT NULL DEFAULT 'stocked',
    base_uom         text NOT NULL DEFAULT 'each',
    -- [{ "uom": "box", "factor": "12" }]: how many base units one of `uom` holds.
    uom_conversions  jsonb NOT NULL DEFAULT '[]'::jsonb,
    tracking         text NOT NULL DEFAULT 'none',
    cost             numeric(20, 6) NOT NULL DEFAULT 0,
    -- { "EUR": "9.90", "USD": "10.50" }
    prices           jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- { "supplier_name", "lead_time_days", "min_order_qty", "pack_size" }
    supplier_info    jsonb NOT NULL DEFAULT '{}'::jsonb,
    properties       jsonb NOT NULL DEFAULT '{}'::jsonb,
    image_ref        text,
    archived         boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_type_check CHECK (product_type IN ('stocked', 'consumable', 'service')),
    CONSTRAINT products_tracking_check CHECK (tracking IN ('none', 'lot', 'serial')),
    CONSTRAINT products_cost_check CHECK (cost >= 0),
    CONSTRAINT products_json_shapes CHECK (jsonb_typeof(uom_conversions) = 'array'
        AND jsonb_typeof(prices) = 'object' AND jsonb_typeof(supplier_info) = 'object'
        AND jsonb_typeof(properties) = 'object')
);
CREATE UNIQUE INDEX products_tenant_sku_key ON products (tenant_id, sku);
CREATE INDEX products_tenant_name_idx ON products (tenant_id, lower(name));
CREATE TRIGGER products_updated_at BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE product_barcodes (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id  uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    symbology   text NOT NULL,
    code        text NOT NULL,
    -- GTINs are stored zero-padded to 14 digits so UPC-A, EAN-13 and GS1 (01) match.
    normalized  text NOT NULL,
    -- Base units one scan of this barcode stands for (1 for the item, 12 for the box).
    qty         numeric(20, 6) NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_barcodes_qty_check CHECK (qty > 0)
);
CREATE UNIQUE INDEX product_barcodes_tenant_code_key ON product_barcodes (tenant_id, normalized);
CREATE INDEX product_barcodes_product_idx ON product_barcodes (product_id);

-- Warehouses, zones and bins form a tree; `path` (codes joined with '/') sorts in
-- walking order. Virtual locations (supplier, customer, loss, transit) have no parent
-- and exist once per tenant, so every move is from → to.
CREATE TABLE locations (
    id                     uuid PRIMARY KEY,
    tenant_id              uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id              uuid REFERENCES locations (id),
    warehouse_id           uuid REFERENCES locations (id),
    kind                   text NOT NULL,
    code                   text NOT NULL,
    name                   text NOT NULL,
    path                   text NOT NULL,
    barcode                text,
    negative_stock_policy  text,
    archived               boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT locations_kind_check CHECK (kind IN ('warehouse', 'zone', 'bin',
        'supplier', 'customer', 'inventory_loss', 'transit')),
    CONSTRAINT locations_policy_check CHECK (negative_stock_policy IS NULL
        OR negative_stock_policy IN ('forbid', 'allow', 'allow_with_alert')),
    CONSTRAINT locations_tree_check CHECK ((kind IN ('zone', 'bin')) = (parent_id IS NOT NULL))
);
CREATE UNIQUE INDEX locations_tenant_path_key ON locations (tenant_id, path);
CREATE UNIQUE INDEX locations_tenant_barcode_key ON locations (tenant_id, barcode) WHERE barcode IS NOT NULL;
CREATE UNIQUE INDEX locations_tenant_virtual_key ON locations (tenant_id, kind)
    WHERE kind IN ('supplier', 'customer', 'inventory_loss', 'transit');
CREATE TRIGGER locations_updated_at BEFORE UPDATE ON locations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Per-tenant inventory settings. Valuation method changes are rows with an
-- effective time, never edits, so past valuations stay explainable.
CREATE TABLE inventory_settings (
    tenant_id              uuid PRIMARY KEY DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    negative_stock_policy  text NOT NULL DEFAULT 'forbid',
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_settings_policy_check CHECK (negative_stock_policy IN ('forbid', 'allow', 'allow_with_alert'))
);

CREATE TABLE valuation_methods (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    method          text NOT NULL,
    effective_from  timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by_id   uuid,
    CONSTRAINT valuation_methods_method_check CHECK (method IN ('fifo', 'lifo', 'wac'))
);
CREATE INDEX valuation_methods_effective_idx ON valuation_methods (tenant_id, effective_from DESC);
REVOKE UPDATE, DELETE ON valuation_methods FROM elevate_app;

-- Lots and serial numbers. A serial is a lot of a serial-tracked product; the
-- unique index makes a serial unique per product.
CREATE TABLE lots (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id  uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    code        text NOT NULL,
    expiry      date,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX lots_tenant_product_code_key ON lots (tenant_id, product_id, code);

-- The ledger. Never updated or deleted by the app; corrections are new moves.
CREATE TABLE stock_moves (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    seq               bigint GENERATED ALWAYS AS IDENTITY,
    product_id        uuid NOT NULL REFERENCES products (id),
    qty               numeric(20, 6) NOT NULL,
    from_location_id  uuid NOT NULL REFERENCES locations (id),
    to_location_id    uuid NOT NULL REFERENCES locations (id),
    lot_id            uuid REFERENCES lots (id),
    -- Cost per base unit: the receipt cost for incoming moves, the consumed layers'
    -- average for outgoing ones, NULL for internal moves (no value change).
    unit_cost         numeric(20, 6),
    -- Cost of goods for outgoing moves, value added for incoming ones.
    value             numeric(20, 6) NOT NULL DEFAULT 0,
    valuation_method  text,
    reason            text NOT NULL,
    reference         text,
    user_id           uuid,
    device_id         text,
    client_op_id      text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stock_moves_qty_check CHECK (qty > 0),
    CONSTRAINT stock_moves_distinct_check CHECK (from_location_id <> to_location_id)
);
CREATE INDEX stock_moves_product_idx ON stock_moves (tenant_id, product_id, seq);
CREATE UNIQUE INDEX stock_moves_client_op_key ON stock_moves (tenant_id, device_id, client_op_id)
    WHERE client_op_id IS NOT NULL;
REVOKE UPDATE, DELETE ON stock_moves FROM elevate_app;

-- On-hand per (product, location, lot), kept in the same transaction as each move.
CREATE TABLE quants (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id   uuid NOT NULL REFERENCES products (id),
    location_id  uuid NOT NULL REFERENCES locations (id),
    lot_id       uuid REFERENCES lots (id),
    qty          numeric(20, 6) NOT NULL DEFAULT 0,
    reserved     numeric(20, 6) NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quants_reserved_check CHECK (reserved >= 0)
);
CREATE UNIQUE INDEX quants_key ON quants (tenant_id, product_id, location_id, lot_id) NULLS NOT DISTINCT;
CREATE INDEX quants_location_idx ON quants (tenant_id, location_id);

-- Valuation layers: one per incoming move, consumed by outgoing ones. The
-- remaining_* columns are the running state; `valuation_consumptions` keeps the
-- append-only history so a value as of any date can be recomputed.
CREATE TABLE valuation_layers (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    product_id       uuid NOT NULL REFERENCES products (id),
    move_id          uuid NOT NULL REFERENCES stock_moves (id),
    qty              numeric(20, 6) NOT NULL,
    unit_cost        numeric(20, 6) NOT NULL,
    value            numeric(20, 6) NOT NULL,
    remaining_qty    numeric(20, 6) NOT NULL,
    remaining_value  numeric(20, 6) NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT valuation_layers_remaining_check CHECK (remaining_qty >= 0 AND remaining_qty <= qty)
);
CREATE INDEX valuation_layers_open_idx ON valuation_layers (tenant_id, product_id, seq) WHERE remaining_qty > 0;

CREATE TABLE valuation_consumptions (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    layer_id    uuid NOT NULL REFERENCES valuation_layers (id),
    move_id     uuid NOT NULL REFERENCES stock_moves (id),
    qty         numeric(20, 6) NOT NULL,
    -- Positive: value taken out by an outgoing move. WAC revaluations of a layer
    -- on a later receipt are recorded here too (qty 0, value = the change taken out).
    value       numeric(20, 6) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX valuation_consumptions_layer_idx ON valuation_consumptions (layer_id);
REVOKE UPDATE, DELETE ON valuation_consumptions FROM elevate_app;

-- Reservations of on-hand stock for an order line.
CREATE TABLE stock_reservations (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id   uuid NOT NULL REFERENCES products (id),
    location_id  uuid NOT NULL REFERENCES locations (id),
    lot_id       uuid REFERENCES lots (id),
    qty          numeric(20, 6) NOT NULL,
    reference    text NOT NULL,
    released_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by_id uuid,
    CONSTRAINT stock_reservations_qty_check CHECK (qty > 0)
);
CREATE INDEX stock_reservations_product_idx ON stock_reservations (tenant_id, product_id);

-- Stored first responses of stock-changing POSTs, keyed by the client's
-- Idempotency-Key. The primary key settles concurrent duplicates.
CREATE TABLE idempotency_keys (
    tenant_id        uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL,
    request_hash     text NOT NULL,
    response_status  smallint,
    response_body    jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['products', 'product_barcodes', 'locations', 'inventory_settings',
      'valuation_methods', 'lots', 'stock_moves', 'quants', 'valuation_layers',
      'valuation_consumptions', 'stock_reservations', 'idempotency_keys']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
