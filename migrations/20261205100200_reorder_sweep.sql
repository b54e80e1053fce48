-- The daily reorder re-evaluation. Moves re-evaluate their products' rules at
-- once; a demand-driven rule also changes with time alone (the demand window
-- slides, a seasonal peak passes), so a worker job re-evaluates every active
-- rule not evaluated for a day. This is its one cross-tenant step: lock a batch
-- of one tenant's stale rules, skipping rows another worker holds, and answer
-- only identifiers; the caller continues inside that tenant's RLS scope.
CREATE INDEX reorder_rules_stale_idx ON reorder_rules (evaluated_at NULLS FIRST) WHERE active;

CREATE FUNCTION reorder_sweep_claim(stale_before timestamptz, max_rules integer)
RETURNS TABLE (rule_id uuid, tenant_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH first AS (
    SELECT r.tenant_id FROM reorder_rules r
     WHERE r.active AND (r.evaluated_at IS NULL OR r.evaluated_at < stale_before)
     ORDER BY r.evaluated_at NULLS FIRST
     LIMIT 1
     FOR NO KEY UPDATE OF r SKIP LOCKED
  )
  SELECT r.id, r.tenant_id
    FROM reorder_rules r JOIN first f ON f.tenant_id = r.tenant_id
   WHERE r.active AND (r.evaluated_at IS NULL OR r.evaluated_at < stale_before)
   ORDER BY r.id
   LIMIT max_rules
   FOR NO KEY UPDATE OF r SKIP LOCKED
$$;
REVOKE ALL ON FUNCTION reorder_sweep_claim(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reorder_sweep_claim(timestamptz, integer) TO elevate_app;
