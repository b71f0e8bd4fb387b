-- One vault move per tenant at a time, across replicas (VaultMoveService): a move holds its tenant's row here from
-- start to end, renewed (by the database's clock) before each integration it moves, and deletes it when it ends. A
-- second move of the same tenant is answered 409 vault-move-in-progress while the row is held; the row of a move whose
-- replica died lapses at held_until and the next move takes it over. At most one row per tenant, deleted when the move
-- ends: nothing grows with traffic.
-- Additive only: the previous release never reads this table (its moves simply do not take part).
CREATE TABLE vault_move (
    tenant_id  text        PRIMARY KEY REFERENCES tenant (id),
    owner      text        NOT NULL,
    started_at timestamptz NOT NULL,
    held_until timestamptz NOT NULL
);
