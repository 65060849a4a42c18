-- coldtrace's analytics views over the tables CometBFT's psql event sink
-- writes (schema_cometbft.sql). They read the figure events of a node whose
-- app.toml has [analytics] enabled = true: each is the growth of one
-- division's day figures (what /supervision/stats answers) by one tx, or by
-- a block's time-triggered checks. `day` is the chain's figure day: China's
-- date (Asia/Shanghai) of the block's time (the UTC date for blocks under
-- rules v1). Quantities are integers (numeric: a uint64 can exceed bigint,
-- and a sum of them any fixed width); grams are grams, other quantities are
-- in the codes' own units.
-- Loaded by `coldtrace analytics init`; every statement can run again.

-- Every view picks events by type; CometBFT's schema indexes events by
-- block and tx only.
CREATE INDEX IF NOT EXISTS idx_events_type ON events (type);

-- figure_events: one row per figures event, its counters as columns
-- (0 when the event did not change them). signer owns the key that signed
-- the tx (a USCC, a division or "customs"); NULL for a block's checks.
CREATE OR REPLACE VIEW figure_events AS
SELECT b.chain_id, b.height, e.rowid AS event_id, e.tx_id,
  max(a.value) FILTER (WHERE a.key = 'division') AS division,
  max(a.value) FILTER (WHERE a.key = 'day')::date AS day,
  max(a.value) FILTER (WHERE a.key = 'signer') AS signer,
  coalesce(max(a.value) FILTER (WHERE a.key = 'codes_commissioned'), '0')::numeric(20) AS codes_commissioned,
  coalesce(max(a.value) FILTER (WHERE a.key = 'commissioned_grams'), '0')::numeric(20) AS commissioned_grams,
  coalesce(max(a.value) FILTER (WHERE a.key = 'quantity_received_from_outside'), '0')::numeric(20) AS quantity_received_from_outside,
  coalesce(max(a.value) FILTER (WHERE a.key = 'quantity_sold'), '0')::numeric(20) AS quantity_sold,
  coalesce(max(a.value) FILTER (WHERE a.key = 'warehouse_entered_grams'), '0')::numeric(20) AS warehouse_entered_grams,
  coalesce(max(a.value) FILTER (WHERE a.key = 'warehouse_released_grams'), '0')::numeric(20) AS warehouse_released_grams,
  coalesce(max(a.value) FILTER (WHERE a.key = 'destroyed_grams'), '0')::numeric(20) AS destroyed_grams,
  coalesce(max(a.value) FILTER (WHERE a.key = 'blocked_grams'), '0')::numeric(20) AS blocked_grams,
  coalesce(max(a.value) FILTER (WHERE a.key = 'holds'), '0')::numeric(20) AS holds,
  coalesce(max(a.value) FILTER (WHERE a.key = 'positives'), '0')::numeric(20) AS positives,
  coalesce(max(a.value) FILTER (WHERE a.key = 'positives_staff'), '0')::numeric(20) AS positives_staff,
  coalesce(max(a.value) FILTER (WHERE a.key = 'positives_environment'), '0')::numeric(20) AS positives_environment,
  coalesce(max(a.value) FILTER (WHERE a.key = 'alerts'), '0')::numeric(20) AS alerts
FROM events e
JOIN blocks b ON b.rowid = e.block_id
JOIN attributes a ON a.event_id = e.rowid
WHERE e.type = 'figures'
GROUP BY b.chain_id, b.height, e.rowid, e.tx_id;

-- division_day_figures: a division's counters of a day, summed; the single
-- counters of /supervision/stats/DIVISION?by=day, row for row.
CREATE OR REPLACE VIEW division_day_figures AS
SELECT chain_id, day, division,
  sum(codes_commissioned) AS codes_commissioned,
  sum(commissioned_grams) AS commissioned_grams,
  sum(quantity_received_from_outside) AS quantity_received_from_outside,
  sum(quantity_sold) AS quantity_sold,
  sum(warehouse_entered_grams) AS warehouse_entered_grams,
  sum(warehouse_released_grams) AS warehouse_released_grams,
  sum(destroyed_grams) AS destroyed_grams,
  sum(blocked_grams) AS blocked_grams,
  sum(holds) AS holds,
  sum(positives) AS positives,
  sum(positives_staff) AS positives_staff,
  sum(positives_environment) AS positives_environment,
  sum(alerts) AS alerts
FROM figure_events
GROUP BY chain_id, day, division;

-- imports_per_day: imported goods by the importer's division, origin
-- country (ISO 3166) and port of entry, in grams: declared by customs, and
-- commissioned against a declaration (rules v3).
CREATE OR REPLACE VIEW imports_per_day AS
WITH f AS (
  SELECT b.chain_id, e.rowid,
    max(a.value) FILTER (WHERE a.key = 'day')::date AS day,
    max(a.value) FILTER (WHERE a.key = 'division') AS division,
    max(a.value) FILTER (WHERE a.key = 'origin') AS origin,
    max(a.value) FILTER (WHERE a.key = 'port') AS port,
    coalesce(max(a.value) FILTER (WHERE a.key = 'declared_grams'), '0')::numeric(20) AS declared_grams,
    coalesce(max(a.value) FILTER (WHERE a.key = 'commissioned_grams'), '0')::numeric(20) AS commissioned_grams
  FROM events e
  JOIN blocks b ON b.rowid = e.block_id
  JOIN attributes a ON a.event_id = e.rowid
  WHERE e.type = 'figures_import'
  GROUP BY b.chain_id, e.rowid
)
SELECT chain_id, day, division, origin, port,
  sum(declared_grams) AS declared_grams,
  sum(commissioned_grams) AS commissioned_grams
FROM f
GROUP BY chain_id, day, division, origin, port;

-- warehouse_throughput: grams each supervision warehouse entered for
-- supervision and released, by day (rules v3). Only a warehouse's own
-- entries and releases move these counters, so the tx's signer is the
-- warehouse; its division's figures are the sum over its warehouses.
CREATE OR REPLACE VIEW warehouse_throughput AS
SELECT chain_id, day, signer AS warehouse, division,
  sum(warehouse_entered_grams) AS entered_grams,
  sum(warehouse_released_grams) AS released_grams
FROM figure_events
WHERE warehouse_entered_grams > 0 OR warehouse_released_grams > 0
GROUP BY chain_id, day, signer, division;

-- positives_per_day: positive results by division and day: goods tests
-- (counted in the batch's importer's division, with the codes held and
-- grams blocked) and site tests of staff and environment (in the site's).
CREATE OR REPLACE VIEW positives_per_day AS
SELECT chain_id, day, division,
  sum(positives) AS positives,
  sum(positives_staff) AS positives_staff,
  sum(positives_environment) AS positives_environment,
  sum(holds) AS holds,
  sum(blocked_grams) AS blocked_grams
FROM figure_events
GROUP BY chain_id, day, division
HAVING sum(positives) + sum(positives_staff) + sum(positives_environment) > 0;

-- city_flows: goods received from another division, by the sender's city
-- and the receiver's city (a division code's first four digits and "00"),
-- the goods' origin country and day, in the codes' own units. Receipts
-- within one division are not flows; between two districts of one city
-- they are, from the city to itself.
CREATE OR REPLACE VIEW city_flows AS
WITH f AS (
  SELECT b.chain_id, e.rowid,
    max(a.value) FILTER (WHERE a.key = 'day')::date AS day,
    max(a.value) FILTER (WHERE a.key = 'division') AS division,
    max(a.value) FILTER (WHERE a.key = 'source') AS source,
    max(a.value) FILTER (WHERE a.key = 'origin') AS origin,
    coalesce(max(a.value) FILTER (WHERE a.key = 'quantity'), '0')::numeric(20) AS quantity
  FROM events e
  JOIN blocks b ON b.rowid = e.block_id
  JOIN attributes a ON a.event_id = e.rowid
  WHERE e.type = 'figures_flow'
  GROUP BY b.chain_id, e.rowid
)
SELECT chain_id, day,
  left(source, 4) || '00' AS from_city,
  left(division, 4) || '00' AS to_city,
  origin,
  sum(quantity) AS quantity
FROM f
GROUP BY chain_id, day, left(source, 4), left(division, 4), origin;
