-- Put-away: a product's default bin per warehouse. Suggestions for where to put
-- received goods try it first, then bins already holding the product, then empty
-- bins of the receiving zone in walking order.
CREATE TABLE putaway_rules (
    tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    product_id    uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    warehouse_id  uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    location_id   uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, warehouse_id)
);
CREATE INDEX putaway_rules_tenant_idx ON putaway_rules (tenant_id);
CREATE INDEX putaway_rules_location_idx ON putaway_rules (location_id);

ALTER TABLE putaway_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE putaway_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON putaway_rules
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON putaway_rules TO elevate_app;
