-- Count lines a manager rejected, with the reason and who decided. A rejected line
-- posts nothing. The rejection stands while the bin has the entries it was rejected
-- on (`entries`); a recount (a new entry) makes the line decidable again. A line can
-- be rejected again after each recount, so a bin may have several rows.
CREATE TABLE count_line_rejections (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    session_id      uuid NOT NULL REFERENCES count_sessions (id),
    location_id     uuid NOT NULL REFERENCES locations (id),
    product_id      uuid NOT NULL REFERENCES products (id),
    lot_id          uuid REFERENCES lots (id),
    counted_qty     numeric(20, 6) NOT NULL,
    expected_qty    numeric(20, 6) NOT NULL,
    adjustment      numeric(20, 6) NOT NULL,
    entries         integer NOT NULL,
    reason          text NOT NULL,
    rejected_by_id  uuid NOT NULL,
    rejected_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT count_line_rejections_reason_check CHECK (length(btrim(reason)) > 0)
);
CREATE INDEX count_line_rejections_session_idx
    ON count_line_rejections (session_id, location_id, product_id);
CREATE INDEX count_line_rejections_tenant_idx ON count_line_rejections (tenant_id);
REVOKE UPDATE, DELETE ON count_line_rejections FROM elevate_app;

ALTER TABLE count_line_rejections ENABLE ROW LEVEL SECURITY;
ALTER TABLE count_line_rejections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON count_line_rejections
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
