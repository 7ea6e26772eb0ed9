-- Event screening at ingest (ceasefire/services/screening.py, docs/scoring.md):
-- the probability that a report describes a physical conflict event that happened, and the
-- probability of the perpetrator the headline model read (NULL where no model was applied).
ALTER TABLE reports ADD COLUMN event_probability double precision;
ALTER TABLE reports ADD COLUMN perpetrator_probability double precision;
ALTER TABLE incidents ADD COLUMN event_probability double precision;
