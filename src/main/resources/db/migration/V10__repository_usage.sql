-- A repository's space over time, so the console can show what incremental points cost: the physical use of
-- its file system beside the logical size of its points, sampled after each successful run and each deletion
-- of a restore point. Samples closer than a minute replace each other (see RepositoryUsage.record), which
-- bounds the table whatever retention and schedules do.
CREATE TABLE repository_usage (
    id             uuid PRIMARY KEY,
    repository_id  uuid NOT NULL REFERENCES backup_repository (id) ON DELETE CASCADE,
    sampled_at     timestamp(6) with time zone NOT NULL,
    -- null when the repository's file system could not be read (an unmounted share)
    used_bytes     bigint,
    logical_bytes  bigint NOT NULL
);
CREATE INDEX repository_usage_repository_sampled ON repository_usage (repository_id, sampled_at);
