-- PostgreSQL port of sqlite/0060_checkpoints.sql: signed Merkle checkpoints over the ledger
-- and the deployment's Ed25519 keys. Types as in 0001_initial.sql.

CREATE TABLE signing_keys (
    key_id        text COLLATE "C" PRIMARY KEY,
    public_key    text COLLATE "C" NOT NULL,
    created_at    text COLLATE "C" NOT NULL,
    previous_key  text COLLATE "C",
    statement     text COLLATE "C",
    signature     text COLLATE "C",
    ledger_seq    bigint NOT NULL
);

CREATE TABLE checkpoints (
    tree_size   bigint NOT NULL,
    from_size   bigint NOT NULL,
    root        text COLLATE "C" NOT NULL,
    time        text COLLATE "C" NOT NULL,
    key_id      text COLLATE "C" NOT NULL,
    statement   text COLLATE "C" NOT NULL,
    signature   text COLLATE "C" NOT NULL,
    leaves      text COLLATE "C" NOT NULL,
    PRIMARY KEY (tree_size, key_id)
);
