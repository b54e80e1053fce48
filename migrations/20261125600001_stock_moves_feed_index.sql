-- The web view's move feed reads a tenant's latest moves (newest first).
CREATE INDEX stock_moves_tenant_seq_idx ON stock_moves (tenant_id, seq);
