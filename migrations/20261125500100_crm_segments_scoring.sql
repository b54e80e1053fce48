-- Saved segments (rule trees over contacts) and lead scoring: per-tenant rule
-- weights, learned models and the last computed score of each contact.

CREATE TABLE segments (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text,
    -- { op: and|or, rules: [...] } or { field, operator, value }; compiled to
    -- parameterised SQL by the server.
    rules        jsonb NOT NULL,
    created_by_id uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX segments_tenant_name_key ON segments (tenant_id, lower(name));
CREATE TRIGGER segments_updated_at BEFORE UPDATE ON segments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE lead_scoring_settings (
    tenant_id   uuid PRIMARY KEY DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    -- { feature: points per unit }
    weights     jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lead_scoring_settings_weights_object CHECK (jsonb_typeof(weights) = 'object')
);

-- Logistic regression models trained on won/lost history; the newest is used.
CREATE TABLE lead_score_models (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    -- { features: [..], means: [..], scales: [..], weights: [..], bias }
    model              jsonb NOT NULL,
    training_examples  integer NOT NULL,
    auc                double precision,
    rule_auc           double precision,
    trained_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_score_models_latest_idx ON lead_score_models (tenant_id, trained_at DESC);
REVOKE UPDATE, DELETE ON lead_score_models FROM elevate_app;

CREATE TABLE lead_scores (
    contact_id         uuid PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    tenant_id          uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    rule_score         double precision NOT NULL,
    rule_factors       jsonb NOT NULL,
    model_probability  double precision,
    model_factors      jsonb NOT NULL DEFAULT '[]'::jsonb,
    computed_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_scores_rank_idx ON lead_scores (tenant_id, rule_score DESC);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['segments', 'lead_scoring_settings', 'lead_score_models', 'lead_scores']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;
