-- Paged lists (newest first, keyset cursor on the list's instant and id) and the filters the console and
-- scripts use, served by indexes so that a page costs the same whatever the history holds.

DROP INDEX restore_point_vm;
CREATE INDEX restore_point_vm_page ON restore_point (vm_id, created_at DESC, id DESC);
CREATE INDEX restore_point_page ON restore_point (created_at DESC, id DESC);
CREATE INDEX restore_point_vm_consistency_page ON restore_point (vm_id, consistency, created_at DESC, id DESC);
CREATE INDEX restore_point_vm_verify_page ON restore_point (vm_id, verify_status, created_at DESC, id DESC);
CREATE INDEX restore_point_protected_page ON restore_point (vm_id, created_at DESC, id DESC) WHERE protected;
-- The repository check and retention walk a repository's points in batches, in id order.
CREATE INDEX restore_point_repository ON restore_point (repository_id, id);

DROP INDEX backup_run_vm;
CREATE INDEX backup_run_vm_page ON backup_run (vm_id, created_at DESC, id DESC);
CREATE INDEX backup_run_page ON backup_run (created_at DESC, id DESC);
CREATE INDEX backup_run_job_page ON backup_run (job_id, created_at DESC, id DESC);
CREATE INDEX backup_run_status_page ON backup_run (status, created_at DESC, id DESC);
CREATE INDEX backup_run_vm_status_page ON backup_run (vm_id, status, created_at DESC, id DESC);
-- Deleting a restore point clears the run's reference to it (ON DELETE SET NULL): without this index every
-- deletion scanned every run.
CREATE INDEX backup_run_restore_point ON backup_run (restore_point_id);

CREATE INDEX restore_page ON restore (created_at DESC, id DESC);
CREATE INDEX restore_vm_page ON restore (vm_id, created_at DESC, id DESC);
-- As for runs: a point's deletion sets its restores' reference to null.
CREATE INDEX restore_restore_point ON restore (restore_point_id);

DROP INDEX audit_event_at;
CREATE INDEX audit_event_page ON audit_event (at DESC, id DESC);
