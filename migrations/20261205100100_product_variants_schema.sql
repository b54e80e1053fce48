-- Product variants and the tenant's schema for custom product properties.
--
-- A template product lists its attributes (`variant_attributes`: [{"name":
-- "size", "values": ["S", "M"]}]); each variant is a product of its own (own
-- SKU, barcodes, stock, cost) pointing at the template with its attribute
-- values (`variant_values`: {"size": "M"}). Templates hold no stock.
ALTER TABLE products
    ADD COLUMN variant_of uuid REFERENCES products (id) ON DELETE RESTRICT,
    ADD COLUMN variant_values jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN variant_attributes jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD CONSTRAINT products_variant_shapes CHECK (jsonb_typeof(variant_values) = 'object'
        AND jsonb_typeof(variant_attributes) = 'array'),
    ADD CONSTRAINT products_variant_not_self CHECK (variant_of IS DISTINCT FROM id),
    -- A variant is not itself a template.
    ADD CONSTRAINT products_variant_no_attributes CHECK (variant_of IS NULL
        OR variant_attributes = '[]'::jsonb);
CREATE UNIQUE INDEX products_variant_values_key ON products (tenant_id, variant_of, variant_values)
    WHERE variant_of IS NOT NULL;
CREATE INDEX products_variant_of_idx ON products (variant_of) WHERE variant_of IS NOT NULL;

-- JSON Schema every product's `properties` must satisfy on later writes (NULL: any object).
ALTER TABLE inventory_settings
    ADD COLUMN product_properties_schema jsonb,
    ADD CONSTRAINT inventory_settings_schema_shape CHECK (product_properties_schema IS NULL
        OR jsonb_typeof(product_properties_schema) = 'object');
