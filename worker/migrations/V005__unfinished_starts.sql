-- Crash guard. A job left PROCESSING by a worker that stopped mid-batch is claimed again by the
-- next owner of the shard, which marks every new start of it here before processing. A job
-- whose marked starts never finished (the process died while processing it, e.g. a decoder
-- crash on a hostile file) is dead-lettered instead of killing worker after worker and
-- blocking its shard. A graceful hand-back (SIGTERM during a retry backoff) undoes its mark.
ALTER TABLE videos
    ADD COLUMN unfinished_starts integer NOT NULL DEFAULT 0 CHECK (unfinished_starts >= 0);
