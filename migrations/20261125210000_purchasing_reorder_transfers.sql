-- Purchasing (suppliers, product-supplier terms, exchange rates, purchase
-- orders and their receipts), reorder rules, and transfer documents. Stock
-- itself only ever changes through stock_moves; these tables are the documents
-- that explain why a move happened.

CREATE TABLE suppliers (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL,
    email           text,
    currency        text NOT NULL,
    lead_time_days  integer NOT NULL DEFAULT 7,
    archived        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT suppliers_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT suppliers_lead_time_check CHECK (lead_time_days BETWEEN 0 AND 365)
);
CREATE UNIQUE INDEX suppliers_tenant_name_key ON suppliers (tenant_id, lower(name));
CREATE TRIGGER suppliers_updated_at BEFORE UPDATE ON suppliers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The terms one supplier sells one product on. NULL lead time = the supplier's.
CREATE TABLE product_suppliers (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id      uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    supplier_id     uuid NOT NULL REFERENCES suppliers (id) ON DELETE CASCADE,
    supplier_sku    text,
    unit_price      numeric(20, 6) NOT NULL,
    currency        text NOT NULL,
    lead_time_days  integer,
    min_order_qty   numeric(20, 6) NOT NULL DEFAULT 1,
    pack_size       numeric(20, 6) NOT NULL DEFAULT 1,
    -- Lower is preferred when a product has several suppliers.
    priority        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_suppliers_values_check CHECK (unit_price >= 0 AND min_order_qty > 0
        AND pack_size > 0 AND (lead_time_days IS NULL OR lead_time_days BETWEEN 0 AND 365)),
    CONSTRAINT product_suppliers_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);
CREATE UNIQUE INDEX product_suppliers_key ON product_suppliers (tenant_id, product_id, supplier_id);
CREATE INDEX product_suppliers_supplier_idx ON product_suppliers (tenant_id, supplier_id);
CREATE TRIGGER product_suppliers_updated_at BEFORE UPDATE ON product_suppliers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Units of the tenant's base currency one unit of `currency` is worth, from
-- `valid_from` until the next row of the same currency.
CREATE TABLE exchange_rates (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    currency    text NOT NULL,
    valid_from  date NOT NULL,
    rate        numeric(20, 10) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by_id uuid,
    CONSTRAINT exchange_rates_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT exchange_rates_rate_check CHECK (rate > 0)
);
CREATE UNIQUE INDEX exchange_rates_key ON exchange_rates (tenant_id, currency, valid_from);

CREATE TABLE purchase_orders (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    number          bigint NOT NULL,
    supplier_id     uuid NOT NULL REFERENCES suppliers (id),
    -- Where receipts go by default (a warehouse, zone or bin).
    location_id     uuid NOT NULL REFERENCES locations (id),
    status          text NOT NULL DEFAULT 'draft',
    currency        text NOT NULL,
    expected_date   date,
    notes           text,
    source          text NOT NULL DEFAULT 'manual',
    created_by_id   uuid,
    confirmed_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT purchase_orders_status_check CHECK (status IN ('draft', 'confirmed',
        'partially_received', 'received', 'cancelled')),
    CONSTRAINT purchase_orders_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT purchase_orders_source_check CHECK (source IN ('manual', 'reorder', 'import', 'demo'))
);
CREATE UNIQUE INDEX purchase_orders_number_key ON purchase_orders (tenant_id, number);
CREATE INDEX purchase_orders_supplier_idx ON purchase_orders (tenant_id, supplier_id);
CREATE TRIGGER purchase_orders_updated_at BEFORE UPDATE ON purchase_orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE purchase_order_lines (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    purchase_order_id   uuid NOT NULL REFERENCES purchase_orders (id) ON DELETE CASCADE,
    line_no             integer NOT NULL,
    product_id          uuid NOT NULL REFERENCES products (id),
    qty                 numeric(20, 6) NOT NULL,
    unit_price          numeric(20, 6) NOT NULL,
    received_qty        numeric(20, 6) NOT NULL DEFAULT 0,
    CONSTRAINT purchase_order_lines_qty_check CHECK (qty > 0 AND unit_price >= 0
        AND received_qty >= 0 AND received_qty <= qty)
);
CREATE UNIQUE INDEX purchase_order_lines_no_key ON purchase_order_lines (purchase_order_id, line_no);
CREATE INDEX purchase_order_lines_product_idx ON purchase_order_lines (tenant_id, product_id);

-- One receipt event of a PO; its lines point at the ledger rows they made.
CREATE TABLE purchase_receipts (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    purchase_order_id   uuid NOT NULL REFERENCES purchase_orders (id),
    received_on         date NOT NULL,
    location_id         uuid NOT NULL REFERENCES locations (id),
    currency            text NOT NULL,
    base_currency       text NOT NULL,
    rate                numeric(20, 10) NOT NULL,
    created_by_id       uuid,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX purchase_receipts_po_idx ON purchase_receipts (purchase_order_id);

CREATE TABLE purchase_receipt_lines (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    receipt_id      uuid NOT NULL REFERENCES purchase_receipts (id),
    po_line_id      uuid NOT NULL REFERENCES purchase_order_lines (id),
    move_id         uuid NOT NULL REFERENCES stock_moves (id),
    qty             numeric(20, 6) NOT NULL,
    unit_price      numeric(20, 6) NOT NULL,
    unit_cost_base  numeric(20, 6) NOT NULL
);
CREATE INDEX purchase_receipt_lines_receipt_idx ON purchase_receipt_lines (receipt_id);
REVOKE UPDATE, DELETE ON purchase_receipts FROM elevate_app;
REVOKE UPDATE, DELETE ON purchase_receipt_lines FROM elevate_app;

-- Per product and warehouse: min/max, or demand-driven. `below_point` remembers
-- whether the product was last seen at or under its reorder point, so the
-- `reorder.suggested` event is raised only on the crossing.
CREATE TABLE reorder_rules (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id          uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    warehouse_id        uuid NOT NULL REFERENCES locations (id),
    method              text NOT NULL,
    min_qty             numeric(20, 6),
    max_qty             numeric(20, 6),
    demand_window_days  integer NOT NULL DEFAULT 90,
    service_level       numeric(6, 4) NOT NULL DEFAULT 0.95,
    -- Days of average demand to order on top of the reorder point (demand method).
    cover_days          integer NOT NULL DEFAULT 30,
    supplier_id         uuid REFERENCES suppliers (id),
    active              boolean NOT NULL DEFAULT true,
    below_point         boolean NOT NULL DEFAULT false,
    evaluated_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reorder_rules_method_check CHECK (method IN ('min_max', 'demand')),
    CONSTRAINT reorder_rules_min_max_check CHECK (method <> 'min_max'
        OR (min_qty IS NOT NULL AND max_qty IS NOT NULL AND min_qty >= 0 AND max_qty >= min_qty)),
    CONSTRAINT reorder_rules_params_check CHECK (demand_window_days BETWEEN 7 AND 730
        AND service_level > 0.5 AND service_level < 1 AND cover_days BETWEEN 0 AND 365)
);
CREATE UNIQUE INDEX reorder_rules_key ON reorder_rules (tenant_id, product_id, warehouse_id);
CREATE TRIGGER reorder_rules_updated_at BEFORE UPDATE ON reorder_rules
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Transfer documents between locations, in one step (from → to) or two
-- (from → transit, transit → to, with partial receipts).
CREATE TABLE transfers (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    number            bigint NOT NULL,
    from_location_id  uuid NOT NULL REFERENCES locations (id),
    to_location_id    uuid NOT NULL REFERENCES locations (id),
    steps             smallint NOT NULL DEFAULT 2,
    status            text NOT NULL DEFAULT 'draft',
    notes             text,
    created_by_id     uuid,
    shipped_at        timestamptz,
    done_at           timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT transfers_steps_check CHECK (steps IN (1, 2)),
    CONSTRAINT transfers_status_check CHECK (status IN ('draft', 'in_transit',
        'partially_received', 'done', 'cancelled')),
    CONSTRAINT transfers_distinct_check CHECK (from_location_id <> to_location_id)
);
CREATE UNIQUE INDEX transfers_number_key ON transfers (tenant_id, number);
CREATE TRIGGER transfers_updated_at BEFORE UPDATE ON transfers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE transfer_lines (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    transfer_id     uuid NOT NULL REFERENCES transfers (id) ON DELETE CASCADE,
    line_no         integer NOT NULL,
    product_id      uuid NOT NULL REFERENCES products (id),
    lot             text,
    qty             numeric(20, 6) NOT NULL,
    shipped_qty     numeric(20, 6) NOT NULL DEFAULT 0,
    received_qty    numeric(20, 6) NOT NULL DEFAULT 0,
    -- Scan confirmation: what the handheld counted, and who scanned it.
    scanned_qty     numeric(20, 6) NOT NULL DEFAULT 0,
    scanned_by      uuid,
    scanned_at      timestamptz,
    CONSTRAINT transfer_lines_qty_check CHECK (qty > 0 AND shipped_qty >= 0 AND shipped_qty <= qty
        AND received_qty >= 0 AND received_qty <= shipped_qty AND scanned_qty >= 0)
);
CREATE UNIQUE INDEX transfer_lines_no_key ON transfer_lines (transfer_id, line_no);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['suppliers', 'product_suppliers', 'exchange_rates', 'purchase_orders',
      'purchase_order_lines', 'purchase_receipts', 'purchase_receipt_lines', 'reorder_rules',
      'transfers', 'transfer_lines']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
