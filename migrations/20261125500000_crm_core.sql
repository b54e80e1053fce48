-- CRM core: per-tenant CRM settings, contacts (people and organisations) with
-- their e-mail addresses and phone numbers, and activities (visits, calls,
-- e-mails, tasks, notes). Full-text search columns are generated from each row
-- with the tenant's text search configuration; trigram indexes catch typos.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE crm_settings (
    tenant_id       uuid PRIMARY KEY DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    -- JSON Schema every contact's custom `properties` must satisfy.
    contact_schema  jsonb NOT NULL DEFAULT '{"type": "object"}'::jsonb,
    -- Text search configuration for contacts and activity notes.
    search_config   text NOT NULL DEFAULT 'simple',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT crm_settings_search_config_check CHECK (search_config IN ('simple', 'english',
        'german', 'french', 'spanish', 'italian', 'dutch', 'portuguese')),
    CONSTRAINT crm_settings_schema_object CHECK (jsonb_typeof(contact_schema) = 'object')
);

CREATE TABLE contacts (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    kind             text NOT NULL,
    display_name     text NOT NULL,
    first_name       text,
    last_name        text,
    job_title        text,
    -- A person's organisation (B2B account), or an organisation's parent.
    organization_id  uuid REFERENCES contacts (id),
    owner_id         uuid REFERENCES users (id),
    lifecycle_stage  text NOT NULL DEFAULT 'lead',
    -- Won/lost history, the training data of the learned lead score.
    outcome          text,
    outcome_at       timestamptz,
    tags             text[] NOT NULL DEFAULT '{}',
    -- [{ label, line1, line2, city, region, postal_code, country }]
    addresses        jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- Custom properties, validated against crm_settings.contact_schema.
    properties       jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- GDPR consents: { purpose: { granted, at, source } }; every change is also an event.
    consents         jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Set when this contact was merged into another; merged contacts are hidden.
    merged_into_id   uuid REFERENCES contacts (id),
    ts_config        regconfig NOT NULL DEFAULT 'simple',
    -- Names, job title, e-mails, phones and tags as one text, kept by the server.
    search_text      text NOT NULL DEFAULT '',
    search_tsv       tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, display_name || ' ' || search_text)) STORED,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_kind_check CHECK (kind IN ('person', 'organization')),
    CONSTRAINT contacts_stage_check CHECK (lifecycle_stage IN ('subscriber', 'lead', 'qualified',
        'opportunity', 'customer', 'evangelist', 'churned', 'other')),
    CONSTRAINT contacts_outcome_check CHECK (outcome IS NULL OR outcome IN ('won', 'lost')),
    CONSTRAINT contacts_not_own_org CHECK (organization_id IS NULL OR organization_id <> id),
    CONSTRAINT contacts_json_shapes CHECK (jsonb_typeof(addresses) = 'array'
        AND jsonb_typeof(properties) = 'object' AND jsonb_typeof(consents) = 'object')
);
CREATE INDEX contacts_org_idx ON contacts (tenant_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX contacts_owner_idx ON contacts (tenant_id, owner_id);
CREATE INDEX contacts_name_idx ON contacts (tenant_id, lower(display_name), id);
CREATE INDEX contacts_tags_idx ON contacts USING gin (tags);
CREATE INDEX contacts_search_idx ON contacts USING gin (search_tsv);
CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (display_name gin_trgm_ops);
CREATE TRIGGER contacts_updated_at BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- E-mail addresses and phone numbers; `normalized` is what duplicates are found on.
CREATE TABLE contact_channels (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    contact_id  uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    value       text NOT NULL,
    normalized  text NOT NULL,
    label       text,
    is_primary  boolean NOT NULL DEFAULT false,
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contact_channels_kind_check CHECK (kind IN ('email', 'phone'))
);
CREATE INDEX contact_channels_contact_idx ON contact_channels (contact_id, kind, position);
CREATE INDEX contact_channels_lookup_idx ON contact_channels (tenant_id, kind, normalized);

CREATE TABLE activities (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    contact_id     uuid REFERENCES contacts (id),
    -- The rep the activity belongs to.
    owner_id       uuid REFERENCES users (id),
    subject        text NOT NULL,
    notes          text NOT NULL DEFAULT '',
    -- Visits: the spoken note as transcribed (and edited) on the phone.
    transcript     text,
    -- Visits: { lines: [{ product_id, product_name, quantity }], follow_up, next_action }.
    visit          jsonb,
    follow_up_on   date,
    due_at         timestamptz,
    completed_at   timestamptz,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    -- The client's operation id: a phone syncing the same offline op twice makes one row.
    op_id          text,
    ts_config      regconfig NOT NULL DEFAULT 'simple',
    search_tsv     tsvector GENERATED ALWAYS AS (to_tsvector(ts_config,
        subject || ' ' || notes || ' ' || coalesce(transcript, ''))) STORED,
    created_by_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activities_kind_check CHECK (kind IN ('visit', 'call', 'email', 'task', 'note')),
    CONSTRAINT activities_visit_check CHECK ((kind = 'visit') = (visit IS NOT NULL)),
    CONSTRAINT activities_visit_object CHECK (visit IS NULL OR jsonb_typeof(visit) = 'object')
);
CREATE UNIQUE INDEX activities_op_key ON activities (tenant_id, op_id) WHERE op_id IS NOT NULL;
CREATE INDEX activities_contact_idx ON activities (tenant_id, contact_id, occurred_at DESC);
CREATE INDEX activities_owner_idx ON activities (tenant_id, owner_id, occurred_at DESC);
CREATE INDEX activities_search_idx ON activities USING gin (search_tsv);
CREATE TRIGGER activities_updated_at BEFORE UPDATE ON activities
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Product search for the global search box (products belong to the inventory core).
CREATE INDEX products_search_idx ON products USING gin (to_tsvector('simple', sku || ' ' || name));
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['crm_settings', 'contacts', 'contact_channels', 'activities']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
  END LOOP;
END
$$;

-- Search candidates for the current tenant: (kind, id, rank), best first.
--
-- Row-level security lets the planner use an index only for leakproof operators,
-- and neither `@@` nor pg_trgm's `%` is leakproof, so a search through RLS scans
-- every row of the tenant. This definer function runs as the owner and filters
-- on app_current_tenant() itself; it returns ids and ranks only, and callers join
-- them back to the tables under RLS, so no other tenant's row can be returned
-- even if the filter here were wrong.
-- `p_query` uses the tenant's configuration, `p_simple` the 'simple' one (products).
CREATE FUNCTION crm_search_candidates(p_query tsquery, p_simple tsquery, p_text text,
                                      p_limit integer, p_products boolean)
RETURNS TABLE (kind text, id uuid, rank real)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  (SELECT CASE WHEN c.kind = 'organization' THEN 'company' ELSE 'contact' END, c.id,
          (ts_rank(c.search_tsv, p_query) + similarity(c.display_name, p_text)
           + CASE WHEN lower(c.display_name) LIKE lower(p_text) || '%' THEN 1 ELSE 0 END
           + CASE WHEN c.search_tsv @@ p_query THEN 0.5 ELSE 0 END)::real
     FROM contacts c
    WHERE c.tenant_id = app_current_tenant() AND c.merged_into_id IS NULL
      AND (c.search_tsv @@ p_query OR c.display_name % p_text OR p_text <% c.display_name)
    ORDER BY 3 DESC, c.id LIMIT p_limit)
  UNION ALL
  (SELECT 'activity', a.id, (ts_rank(a.search_tsv, p_query) + 0.25)::real
     FROM activities a
    WHERE a.tenant_id = app_current_tenant() AND a.search_tsv @@ p_query
    ORDER BY 3 DESC, a.id LIMIT p_limit)
  UNION ALL
  (SELECT 'product', p.id,
          (ts_rank(to_tsvector('simple', p.sku || ' ' || p.name), p_simple) + similarity(p.name, p_text)
           + CASE WHEN lower(p.name) LIKE lower(p_text) || '%' OR lower(p.sku) = lower(p_text)
                  THEN 1 ELSE 0 END + 0.25)::real
     FROM products p
    WHERE p_products AND p.tenant_id = app_current_tenant() AND NOT p.archived
      AND (to_tsvector('simple', p.sku || ' ' || p.name) @@ p_simple OR p.name % p_text
           OR p_text <% p.name)
    ORDER BY 3 DESC, p.id LIMIT p_limit)
$$;
REVOKE ALL ON FUNCTION crm_search_candidates(tsquery, tsquery, text, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION crm_search_candidates(tsquery, tsquery, text, integer, boolean) TO elevate_app;
