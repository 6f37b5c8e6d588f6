-- Deleting is catalog first, then files. A pending deletion is recorded in the transaction that removes a
-- restore point (or a whole repository) from the catalog and lives until its files are gone, so that an
-- interrupted delete is finished by the next repository check or start, and the check removes nothing
-- else. It names its repository by id and path without a foreign key: it outlives a deleted repository.
CREATE TABLE pending_deletion (
    id                uuid PRIMARY KEY,
    repository_id     uuid NOT NULL,
    repository_path   text NOT NULL,
    -- the restore point's directory under the repository; null for the repository's folder itself,
    -- which is given up (marker removed, the folder too when nothing else is left) after its points
    relative_path     text,
    restore_point_id  uuid,
    requested_at      timestamp(6) with time zone NOT NULL
);
CREATE INDEX pending_deletion_repository ON pending_deletion (repository_id);

-- A deleted repository leaves its runs in the history, no longer pointing at it.
ALTER TABLE backup_run ALTER COLUMN repository_id DROP NOT NULL;
ALTER TABLE backup_run DROP CONSTRAINT backup_run_repository_id_fkey;
ALTER TABLE backup_run ADD CONSTRAINT backup_run_repository_id_fkey
    FOREIGN KEY (repository_id) REFERENCES backup_repository (id) ON DELETE SET NULL;
