-- Instant recovery: a VM started on a host straight from a restore point's files, its disks copy-on-write
-- overlays in a marked folder of the host; finalize moves its disks into the host's storage while it runs.
-- While a recovery is STARTING, RUNNING or FINALIZING its restore point may be neither pruned nor deleted;
-- the point's id stays after the point is gone (no foreign key), so the history still says where a VM came from.
CREATE TABLE instant_recovery (
    id                  uuid PRIMARY KEY,
    restore_point_id    uuid NOT NULL,
    host_id             uuid NOT NULL REFERENCES host (id),
    name                text NOT NULL,
    vm_id               uuid,
    state               text NOT NULL CHECK (state IN ('STARTING', 'RUNNING', 'FINALIZING', 'FINALIZED', 'FAILED',
                                                       'DISCARDED')),
    error               text,
    -- where finalize puts the disks, chosen when it is asked for
    finalize_path       text,
    node                text NOT NULL,
    requested_by        text,
    created_at          timestamp(6) with time zone NOT NULL,
    started_at          timestamp(6) with time zone,
    finalize_started_at timestamp(6) with time zone,
    finished_at         timestamp(6) with time zone,
    bytes_total         bigint,
    bytes_moved         bigint
);
CREATE INDEX instant_recovery_point ON instant_recovery (restore_point_id) WHERE state IN ('STARTING', 'RUNNING', 'FINALIZING');
CREATE INDEX instant_recovery_created ON instant_recovery (created_at DESC);
