-- xcopy's /F: the per-file record of a run's copy (source and destination of every entry, and what
-- was skipped), stored gzipped once the copy ends, never a row per file.
CREATE TABLE run_copy_log (
    run_id   uuid PRIMARY KEY REFERENCES backup_run (id) ON DELETE CASCADE,
    entries  bigint NOT NULL,
    log      bytea NOT NULL
);
