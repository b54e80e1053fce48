-- Work assigned to a user (a count session to count, a pick list to pick), pulled
-- by that user's phones; and cycle-count schedules that open count sessions.

-- One assignment of a count session or pick list to a user. Unassigning deletes
-- the row (a tombstone tells the phones).
CREATE TABLE task_assignments (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    -- The count session or pick list (by kind).
    subject_id      uuid NOT NULL,
    warehouse_id    uuid NOT NULL REFERENCES locations (id),
    note            text,
    due_at          timestamptz,
    assigned_by_id  uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sync_version    bigint NOT NULL DEFAULT nextval('sync_version_seq'),
    sync_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT task_assignments_kind_check CHECK (kind IN ('count_session', 'pick_list'))
);
CREATE UNIQUE INDEX task_assignments_key ON task_assignments (tenant_id, kind, subject_id, user_id);
CREATE INDEX task_assignments_user_idx ON task_assignments (tenant_id, user_id);
-- Pull reads a user's tasks in change order.
CREATE INDEX task_assignments_sync_idx ON task_assignments (tenant_id, user_id, sync_xid, sync_version);
CREATE TRIGGER task_assignments_sync_stamp BEFORE INSERT OR UPDATE ON task_assignments
    FOR EACH ROW EXECUTE FUNCTION sync_stamp();
CREATE TRIGGER task_assignments_sync_tombstone AFTER DELETE ON task_assignments
    FOR EACH ROW EXECUTE FUNCTION sync_tombstone('task');

-- A cycle-count schedule of one warehouse: every `every_days` days it opens a cycle
-- count of the products whose ABC class is due (policy as in CyclePolicy) and assigns
-- it to `assignee_ids`.
CREATE TABLE count_schedules (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL,
    warehouse_id    uuid NOT NULL REFERENCES locations (id),
    location_ids    uuid[] NOT NULL DEFAULT '{}',
    -- CyclePolicy: {basis, a_share_pct, b_share_pct, a_every_days, b_every_days, c_every_days}
    policy          jsonb NOT NULL,
    every_days      integer NOT NULL,
    blind           boolean NOT NULL DEFAULT true,
    mode            text NOT NULL DEFAULT 'compare',
    tolerance_qty   numeric(20, 6) NOT NULL DEFAULT 0,
    tolerance_pct   numeric(9, 4) NOT NULL DEFAULT 0,
    assignee_ids    uuid[] NOT NULL DEFAULT '{}',
    active          boolean NOT NULL DEFAULT true,
    next_run_at     timestamptz NOT NULL,
    last_run_at     timestamptz,
    last_session_id uuid REFERENCES count_sessions (id),
    runs            integer NOT NULL DEFAULT 0,
    created_by_id   uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT count_schedules_every_check CHECK (every_days BETWEEN 1 AND 366),
    CONSTRAINT count_schedules_mode_check CHECK (mode IN ('sum', 'compare')),
    CONSTRAINT count_schedules_tolerance_check CHECK (tolerance_qty >= 0 AND tolerance_pct >= 0)
);
CREATE INDEX count_schedules_due_idx ON count_schedules (next_run_at) WHERE active;
CREATE INDEX count_schedules_tenant_idx ON count_schedules (tenant_id, created_at);
CREATE TRIGGER count_schedules_updated_at BEFORE UPDATE ON count_schedules
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['task_assignments', 'count_schedules']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON task_assignments, count_schedules TO elevate_app;

-- The schedule job's one cross-tenant step: lock one due schedule, skipping rows
-- another worker holds. Returns only identifiers; the caller continues inside the
-- returned tenant's RLS scope and moves `next_run_at` on before it commits.
CREATE FUNCTION count_schedule_claim(at timestamptz)
RETURNS TABLE (schedule_id uuid, tenant_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.id, s.tenant_id
    FROM count_schedules s
   WHERE s.active AND s.next_run_at <= at
   ORDER BY s.next_run_at
   LIMIT 1
   FOR NO KEY UPDATE OF s SKIP LOCKED
$$;
REVOKE ALL ON FUNCTION count_schedule_claim(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION count_schedule_claim(timestamptz) TO elevate_app;
