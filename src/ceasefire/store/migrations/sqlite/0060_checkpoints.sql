-- Signed Merkle checkpoints over the ledger and the deployment's Ed25519 keys
-- (see ceasefire/checkpoints.py, ceasefire/keys.py and docs/ledger.md).

-- Ledger-stamped: a key enters the record in the entry that introduced it. A rotated-in
-- key carries the rotation statement its predecessor signed.
CREATE TABLE signing_keys (
    key_id        TEXT PRIMARY KEY,               -- first 16 hex of sha256(public key)
    public_key    TEXT NOT NULL,                  -- hex of the raw 32-byte Ed25519 key
    created_at    TEXT NOT NULL,
    previous_key  TEXT,                           -- the key this one replaced (NULL: first)
    statement     TEXT,                           -- rotation statement (NULL: first key)
    signature     TEXT,                           -- hex, by previous_key over statement
    ledger_seq    INTEGER NOT NULL
);

-- A checkpoint signs the Merkle root of ledger entries 1..tree_size. leaves keeps the
-- entry hashes since the previous checkpoint (from_size+1..tree_size) so that verify
-- can name the exact entry rewritten after it was signed.
CREATE TABLE checkpoints (
    tree_size   INTEGER NOT NULL,
    from_size   INTEGER NOT NULL,
    root        TEXT NOT NULL,                    -- hex
    time        TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    statement   TEXT NOT NULL,                    -- the exact signed text
    signature   TEXT NOT NULL,                    -- hex of the 64-byte Ed25519 signature
    leaves      TEXT NOT NULL,                    -- concatenated hex entry hashes
    PRIMARY KEY (tree_size, key_id)
);
