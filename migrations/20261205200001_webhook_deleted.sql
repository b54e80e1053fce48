-- A deleted subscription leaves the list (its delivery log stays in the outbox);
-- a disabled one (is_active = false, deleted_at NULL) stays listed and can be
-- enabled again.
ALTER TABLE webhook_subscriptions ADD COLUMN deleted_at timestamptz;
