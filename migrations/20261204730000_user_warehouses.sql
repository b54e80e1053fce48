-- The warehouses a user works in. No rows for a user = every warehouse. Live updates
-- (and the phone's pull) show stock changes of these warehouses only.
CREATE TABLE user_warehouses (
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    warehouse_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, warehouse_id)
);
CREATE INDEX user_warehouses_tenant_idx ON user_warehouses (tenant_id);
CREATE INDEX user_warehouses_warehouse_idx ON user_warehouses (warehouse_id);

ALTER TABLE user_warehouses ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_warehouses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_warehouses
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, DELETE ON user_warehouses TO elevate_app;
