-- Shard ownership (leases) and progress (checkpoints) for the Kinesis consumers.
CREATE TABLE shard_leases (
    stream_name       text        NOT NULL,
    shard_id          text        NOT NULL,
    parent_shard_ids  text[]      NOT NULL DEFAULT '{}',
    owner             text,
    heartbeat_at      timestamptz,
    expires_at        timestamptz,
    lease_counter     bigint      NOT NULL DEFAULT 0,
    -- set by an under-loaded worker: the owner finishes its batch, then releases the lease
    handoff_to        text,
    PRIMARY KEY (stream_name, shard_id)
);

CREATE TABLE shard_checkpoints (
    stream_name      text        NOT NULL,
    shard_id         text        NOT NULL,
    sequence_number  numeric,
    finished         boolean     NOT NULL DEFAULT false,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    updated_by       text        NOT NULL,
    PRIMARY KEY (stream_name, shard_id)
);
