-- Push and in-app notifications.
--
-- Notification-worthy events (reorder.suggested, approval.requested,
-- approval.decided) also go to the outbox, to one 'notify' destination per tenant.
-- The worker resolves the recipients (rules in backend/src/worker/notify.rs), stores
-- one in-app notification per recipient (unique per user and event, so a retried
-- delivery does not duplicate it) and sends a push to each of the recipient's
-- registered devices.

CREATE TABLE device_tokens (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id     text NOT NULL,
    platform      text NOT NULL,
    token         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT device_tokens_platform_check CHECK (platform IN ('android', 'ios', 'web'))
);
CREATE UNIQUE INDEX device_tokens_user_device_key ON device_tokens (tenant_id, user_id, device_id);
CREATE UNIQUE INDEX device_tokens_token_key ON device_tokens (tenant_id, token);
CREATE TRIGGER device_tokens_updated_at BEFORE UPDATE ON device_tokens
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE device_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE device_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON device_tokens
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

CREATE TABLE notifications (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id      uuid NOT NULL,
    kind          text NOT NULL,
    title         text NOT NULL,
    body          text NOT NULL,
    data          jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    read_at       timestamptz,
    -- Set once the push to the user's devices went out (or there was nothing to push to).
    pushed_at     timestamptz
);
CREATE UNIQUE INDEX notifications_user_event_key ON notifications (tenant_id, user_id, event_id);
CREATE INDEX idx_notifications_user_created ON notifications (tenant_id, user_id, created_at DESC);
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notifications
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());

CREATE UNIQUE INDEX outbox_destinations_notify_key ON outbox_destinations (tenant_id) WHERE kind = 'notify';

CREATE OR REPLACE FUNCTION outbox_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  dest uuid;
  n integer := 0;
BEGIN
  INSERT INTO outbox (id, tenant_id, destination_id, event_id, event_seq, event_kind)
  SELECT gen_random_uuid(), NEW.tenant_id, s.id, NEW.id, NEW.seq, NEW.kind
    FROM webhook_subscriptions s
   WHERE s.is_active AND s.tenant_id = NEW.tenant_id
     AND EXISTS (SELECT 1 FROM unnest(s.event_types) t
                  WHERE t = '*' OR t = NEW.kind
                     OR (right(t, 1) = '.' AND starts_with(NEW.kind, t)));
  GET DIAGNOSTICS n = ROW_COUNT;
  IF NEW.kind IN ('reorder.suggested', 'approval.requested', 'approval.decided') THEN
    INSERT INTO outbox_destinations (id, tenant_id, kind)
    VALUES (gen_random_uuid(), NEW.tenant_id, 'notify')
    ON CONFLICT (tenant_id) WHERE kind = 'notify' DO NOTHING;
    SELECT id INTO STRICT dest FROM outbox_destinations
     WHERE tenant_id = NEW.tenant_id AND kind = 'notify';
    INSERT INTO outbox (id, tenant_id, destination_id, event_id, event_seq, event_kind)
    VALUES (gen_random_uuid(), NEW.tenant_id, dest, NEW.id, NEW.seq, NEW.kind);
    n := n + 1;
  END IF;
  IF n > 0 THEN
    PERFORM pg_notify('elevate_outbox', '');
  END IF;
  RETURN NULL;
END
$$;
