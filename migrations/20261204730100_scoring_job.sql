-- Lead scores are kept fresh by the outbox worker: events that change a contact's
-- features (the contact itself, its activities and visits, merges) or the weights go
-- to one 'scoring' destination per tenant. The worker rescores the contacts named by
-- a batch of such events, or recomputes (and retrains) everything when outcomes or
-- weights changed.
ALTER TABLE outbox_destinations DROP CONSTRAINT outbox_destinations_kind_check;
ALTER TABLE outbox_destinations ADD CONSTRAINT outbox_destinations_kind_check
    CHECK (kind IN ('webhook', 'notify', 'scoring'));
CREATE UNIQUE INDEX outbox_destinations_scoring_key ON outbox_destinations (tenant_id) WHERE kind = 'scoring';

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
  IF NEW.kind IN ('contact.created', 'contact.updated', 'contact.merged', 'contact.consent_changed',
                  'activity.created', 'activity.updated', 'activity.completed', 'visit.logged',
                  'scoring.weights_changed') THEN
    INSERT INTO outbox_destinations (id, tenant_id, kind)
    VALUES (gen_random_uuid(), NEW.tenant_id, 'scoring')
    ON CONFLICT (tenant_id) WHERE kind = 'scoring' DO NOTHING;
    SELECT id INTO STRICT dest FROM outbox_destinations
     WHERE tenant_id = NEW.tenant_id AND kind = 'scoring';
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
