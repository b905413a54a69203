-- One row per video: request data, processing outcome and the content-tracking fields the
-- media laws ask for (AVMSD Art. 13 European works, DSM Art. 17 rights, age ratings).
CREATE TABLE videos (
    video_id            uuid        PRIMARY KEY,
    schema_version      integer     NOT NULL,
    title               text        NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    creator_id          text        NOT NULL,
    uploaded_at         timestamptz NOT NULL,
    source_bucket       text        NOT NULL,
    source_key          text        NOT NULL,
    origin_country      char(2)     NOT NULL CHECK (origin_country ~ '^[A-Z]{2}$'),
    european_work       boolean     NOT NULL,
    rights_reference    text        NOT NULL,
    age_rating          text        NOT NULL,
    status              text        NOT NULL
        CHECK (status IN ('RECEIVED', 'PROCESSING', 'COMPLETED', 'FAILED')),
    attempts            integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    claimed_by          text,
    duration_seconds    double precision CHECK (duration_seconds >= 0),
    file_size_bytes     bigint      CHECK (file_size_bytes >= 0),
    fingerprint_sha256  char(64)    CHECK (fingerprint_sha256 ~ '^[0-9a-f]{64}$'),
    probe               jsonb,
    failure_reason      text,
    source_shard_id     text        NOT NULL,
    source_sequence     numeric     NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'COMPLETED'
           OR (duration_seconds IS NOT NULL AND file_size_bytes IS NOT NULL
               AND fingerprint_sha256 IS NOT NULL AND probe IS NOT NULL))
);

CREATE INDEX videos_status_idx ON videos (status);
CREATE INDEX videos_creator_idx ON videos (creator_id);
