-- The lease gets its own counter: every claim bumps lease_generation, and integration.version moves only when the
-- row's tokens or meaning change (an outcome, a reconnect, a vault move), so a cached access token survives a claim.
-- Additive: the previous release keeps bumping version on its claims and never reads this column.
ALTER TABLE integration ADD COLUMN lease_generation bigint NOT NULL DEFAULT 0;
