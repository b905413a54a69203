-- A later request for a video with DIFFERENT content (a producer's correction: another source
-- object, a fixed title) was recorded like a replay, with shard and sequence only, and its
-- content was lost (issue 23 item 2). The rule: a request for a video already in progress or
-- done is never processed by the worker (one outcome per video); a replay with the same content
-- is a duplicate, a request with different content is kept here whole (`request`, the fields
-- as the worker would store them) with `same_content = false`, so the operator can see and act
-- on the correction. Rows written before this migration have NULL (not compared).
ALTER TABLE video_duplicate_requests
    ADD COLUMN same_content boolean,
    ADD COLUMN request      jsonb,
    ADD CONSTRAINT video_duplicate_requests_request_when_changed
        CHECK (request IS NULL OR same_content = false);

CREATE INDEX video_duplicate_requests_changed_idx
    ON video_duplicate_requests (video_id, id) WHERE same_content = false;

-- The operator reads corrections (before a redrive); it writes nothing here.
GRANT SELECT ON video_duplicate_requests TO streamflix_operator;
