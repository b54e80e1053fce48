-- Over/under-receipt tolerance for purchase receipts, per tenant, in percent of
-- the ordered quantity of a line. Over: a line may receive up to
-- qty × (1 + over/100); more is refused (`over_receipt`). Under: a line with at
-- least qty × (1 − under/100) received counts as complete, so a supplier's
-- habitual short delivery closes the order instead of leaving it open forever.
ALTER TABLE inventory_settings
    ADD COLUMN over_receipt_tolerance_pct  numeric(5, 2) NOT NULL DEFAULT 0,
    ADD COLUMN under_receipt_tolerance_pct numeric(5, 2) NOT NULL DEFAULT 0,
    ADD CONSTRAINT inventory_settings_over_receipt_check
        CHECK (over_receipt_tolerance_pct >= 0 AND over_receipt_tolerance_pct <= 100),
    ADD CONSTRAINT inventory_settings_under_receipt_check
        CHECK (under_receipt_tolerance_pct >= 0 AND under_receipt_tolerance_pct < 100);

-- Over-receipts within tolerance may take a line past its quantity (at most
-- double, the largest tolerance).
ALTER TABLE purchase_order_lines
    DROP CONSTRAINT purchase_order_lines_qty_check,
    ADD CONSTRAINT purchase_order_lines_qty_check CHECK (qty > 0 AND unit_price >= 0
        AND received_qty >= 0 AND received_qty <= 2 * qty);
