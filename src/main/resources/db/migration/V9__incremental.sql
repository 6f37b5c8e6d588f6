-- Incremental forever: a run reads and writes only what changed since the VM's previous point in the same
-- repository; every point stays a whole folder, sharing unchanged data with that point through the file
-- system. Rows written before this migration were full copies: their new figures stay null, not zero.
ALTER TABLE backup_run ADD COLUMN change_tracking text;
ALTER TABLE backup_run ADD COLUMN change_tracking_reason text;
ALTER TABLE backup_run ADD COLUMN bytes_read bigint;
ALTER TABLE backup_run ADD COLUMN bytes_written bigint;
ALTER TABLE backup_run ADD COLUMN bytes_shared bigint;

ALTER TABLE restore_point ADD COLUMN change_tracking text;
ALTER TABLE restore_point ADD COLUMN bytes_written bigint;
ALTER TABLE restore_point ADD COLUMN bytes_shared bigint;

ALTER TABLE backup_job ADD COLUMN compare_every integer;

-- whether files in the repository can share blocks (reflink), probed at creation and at each start;
-- null until probed
ALTER TABLE backup_repository ADD COLUMN block_clone boolean;
ALTER TABLE backup_repository ADD COLUMN block_clone_checked_at timestamp(6) with time zone;

-- the point whose files this one started from (shares blocks or inodes with); null for a first or a full point.
-- No foreign key: the point it was based on may be deleted in any order, and this one stays whole.
ALTER TABLE restore_point ADD COLUMN based_on uuid;
CREATE INDEX restore_point_based_on ON restore_point (based_on);
