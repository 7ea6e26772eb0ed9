-- Web API: users and their hashed bearer tokens, evidence files attached to reports,
-- idempotency keys of API submissions, saved alerts, their matches and webhook deliveries.

CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,                    -- admin, monitor, analyst, liaison, public
    party       TEXT,                             -- the party a liaison speaks for
    created_at  TEXT NOT NULL
);

CREATE TABLE tokens (
    token_hash  TEXT PRIMARY KEY,                 -- sha256 hex of the token, never the token
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_name ON tokens (name);

-- Ledger-stamped: the hash of an uploaded file is evidence from the moment it arrives.
CREATE TABLE evidence_files (
    sha256       TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    report_id    TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    filename     TEXT,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    ledger_seq   INTEGER NOT NULL,
    PRIMARY KEY (sha256, source_id, report_id)
);
CREATE INDEX evidence_files_report ON evidence_files (source_id, report_id);

CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (principal, key)
);

CREATE TABLE alerts (
    alert_id     TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    owner        TEXT NOT NULL,
    filter       TEXT NOT NULL,                   -- JSON: bbox/polygon, categories, parties ...
    webhook_url  TEXT,
    secret       TEXT NOT NULL,                   -- HMAC key of the webhook signature
    created_at   TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE alert_matches (
    alert_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,                    -- incident or finding
    item_id     TEXT NOT NULL,
    matched_at  TEXT NOT NULL,
    payload     TEXT NOT NULL,                    -- JSON sent to the webhook and the feed
    notified    INTEGER NOT NULL DEFAULT 1,       -- 0: already matching when the alert was saved
    PRIMARY KEY (alert_id, kind, item_id)
);

CREATE TABLE alert_deliveries (
    delivery_id  INTEGER PRIMARY KEY,
    alert_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    url          TEXT NOT NULL,
    status_code  INTEGER,
    ok           INTEGER NOT NULL,
    error        TEXT
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);
