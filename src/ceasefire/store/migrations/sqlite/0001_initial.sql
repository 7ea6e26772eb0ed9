-- Foundation schema. Tables that hold evidence carry ledger_seq: the ledger entry of the
-- write that created the row (see ceasefire/ledger.py). Times are ISO 8601 text in UTC
-- ("2025-04-19T18:40:00Z") plus, where windows matter, epoch seconds for range queries.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
);

CREATE TABLE ledger (
    seq           INTEGER PRIMARY KEY,
    time          TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    note          TEXT NOT NULL,          -- canonical JSON, covered by entry_hash
    payload_hash  TEXT NOT NULL,          -- sha256 of the canonical encoding of the rows written
    prev_hash     TEXT NOT NULL,
    entry_hash    TEXT NOT NULL
);

CREATE TABLE sources (
    source_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    affiliation   TEXT NOT NULL,
    reliability   TEXT NOT NULL,
    origin_group  TEXT NOT NULL,
    ledger_seq    INTEGER NOT NULL
);

CREATE TABLE reports (
    rid                     INTEGER PRIMARY KEY,   -- internal dense id for array work
    source_id               TEXT NOT NULL,
    report_id               TEXT NOT NULL,
    observed_at             TEXT NOT NULL,         -- as given, normalised to ISO 8601
    t_start                 REAL NOT NULL,         -- epoch seconds, observed_at - uncertainty
    t_end                   REAL NOT NULL,         -- epoch seconds, observed_at + uncertainty
    time_uncertainty_min    REAL NOT NULL,
    lat                     REAL,
    lon                     REAL,
    location_uncertainty_m  REAL,
    place                   TEXT,
    category                TEXT NOT NULL,
    perpetrator             TEXT,
    target_class            TEXT,
    weapon_class            TEXT,
    count                   INTEGER,
    credibility             INTEGER,
    origin_lat              REAL,
    origin_lon              REAL,
    event_ref               TEXT,
    text                    TEXT,
    evidence_hashes         TEXT,                  -- ';'-separated sha256 hex digests
    sensitive               INTEGER NOT NULL DEFAULT 0,
    extra                   TEXT,                  -- JSON of format-specific fields
    ingest_file             TEXT,
    ingest_row              INTEGER,
    ledger_seq              INTEGER NOT NULL,
    UNIQUE (source_id, report_id)
);
CREATE INDEX reports_time ON reports (t_start);
CREATE INDEX reports_ledger ON reports (ledger_seq);

CREATE TABLE quarantine (
    qid         INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    row         INTEGER,
    field       TEXT,
    reason      TEXT NOT NULL,
    raw         TEXT,                              -- JSON of the row as read
    at          TEXT NOT NULL,
    ledger_seq  INTEGER NOT NULL
);

CREATE TABLE agreements (
    agreement_id   TEXT NOT NULL,
    version        INTEGER NOT NULL,
    effective_at   TEXT NOT NULL,
    status         TEXT NOT NULL,
    title          TEXT NOT NULL,
    document       TEXT NOT NULL,                  -- canonical JSON of the agreement
    source_file    TEXT,
    ledger_seq     INTEGER NOT NULL,
    PRIMARY KEY (agreement_id, version)
);

CREATE TABLE incidents (
    incident_id              TEXT PRIMARY KEY,
    t_start                  REAL NOT NULL,
    t_end                    REAL NOT NULL,
    lat                      REAL NOT NULL,
    lon                      REAL NOT NULL,
    location_uncertainty_m   REAL NOT NULL,
    category                 TEXT NOT NULL,
    n_reports                INTEGER NOT NULL,
    n_origin_groups          INTEGER NOT NULL,
    confidence               REAL NOT NULL,
    band                     TEXT NOT NULL,
    breakdown                TEXT NOT NULL,        -- JSON: the explained confidence
    attributed_party         TEXT,
    attribution_probability  REAL,
    attribution_basis        TEXT                  -- JSON
);
CREATE INDEX incidents_time ON incidents (t_start);
CREATE INDEX incidents_lat ON incidents (lat);

CREATE TABLE incident_reports (
    incident_id  TEXT NOT NULL,
    rid          INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (incident_id, rid)
);

CREATE TABLE findings (
    finding_id         TEXT PRIMARY KEY,
    agreement_id       TEXT NOT NULL,
    agreement_version  INTEGER NOT NULL,
    provision_id       TEXT NOT NULL,
    incident_id        TEXT,                       -- NULL for territory / commitment findings
    subject            TEXT,                       -- JSON: what else the finding is about
    day                TEXT,                       -- YYYY-MM-DD in the agreement's zone
    zone_id            TEXT,
    verdict            TEXT NOT NULL,
    probability        REAL NOT NULL,
    attributed_party   TEXT,
    rationale          TEXT NOT NULL,              -- JSON: factors and their reasons
    published          INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL
);
CREATE INDEX findings_agreement ON findings (agreement_id, day);

CREATE TABLE finding_events (
    event_id     INTEGER PRIMARY KEY,
    finding_id   TEXT NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    role         TEXT NOT NULL,
    action       TEXT NOT NULL,                    -- confirm, reject, dispute, reply, publish
    party        TEXT,
    note         TEXT,
    ledger_seq   INTEGER NOT NULL
);
CREATE INDEX finding_events_finding ON finding_events (finding_id);

CREATE TABLE control_snapshots (
    snapshot_date  TEXT NOT NULL,                  -- YYYY-MM-DD
    side           TEXT NOT NULL,                  -- party id controlling the area
    source         TEXT NOT NULL,                  -- e.g. deepstate
    geometry       BLOB NOT NULL,                  -- WKB, WGS84 lon/lat
    area_km2       REAL NOT NULL,
    ledger_seq     INTEGER NOT NULL,
    PRIMARY KEY (snapshot_date, side, source)
);
