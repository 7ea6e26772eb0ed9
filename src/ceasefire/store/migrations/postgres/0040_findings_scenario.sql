-- PostgreSQL port of sqlite/0040_findings_scenario.sql: findings computed in scenario mode
-- (an agreement assessed "as if in force") are kept apart from findings against terms that
-- were really in force.
ALTER TABLE findings ADD COLUMN scenario bigint NOT NULL DEFAULT 0;
CREATE INDEX findings_incident ON findings (incident_id);
