-- The catalog: what Stillpoint knows about hosts, guests, backup targets, runs and restore points.
-- Rows reference each other by UUID; deleting a host or VM with history is refused by the foreign keys.

CREATE TABLE host (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    type        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamp(6) with time zone NOT NULL
);

CREATE TABLE vm (
    id            uuid PRIMARY KEY,
    host_id       uuid NOT NULL REFERENCES host (id),
    ref           text NOT NULL,
    name          text NOT NULL,
    guest_os      text,
    can_quiesce   boolean NOT NULL,
    memory_bytes  bigint NOT NULL,
    created_at    timestamp(6) with time zone NOT NULL,
    UNIQUE (host_id, ref)
);

CREATE TABLE backup_repository (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    path        text NOT NULL UNIQUE,
    created_at  timestamp(6) with time zone NOT NULL
);

-- A scheduled backup: which VMs (by id and/or a name pattern), when (a Quartz cron in a time zone),
-- how, where to, and how many restore points to keep.
CREATE TABLE backup_job (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL UNIQUE,
    schedule             text NOT NULL,
    time_zone            text NOT NULL,
    vm_ids               jsonb NOT NULL DEFAULT '[]'::jsonb,
    vm_name_pattern      text,
    mode                 text NOT NULL,
    writer               text,
    repository_id        uuid NOT NULL REFERENCES backup_repository (id),
    retention            jsonb NOT NULL DEFAULT '{}'::jsonb,
    enabled              boolean NOT NULL,
    verify_after         boolean NOT NULL DEFAULT false,
    max_parallel         integer NOT NULL DEFAULT 2,
    minimum_consistency  text,
    created_at           timestamp(6) with time zone NOT NULL,
    updated_at           timestamp(6) with time zone NOT NULL
);

CREATE TABLE backup_run (
    id                uuid PRIMARY KEY,
    vm_id             uuid NOT NULL REFERENCES vm (id),
    job_id            uuid REFERENCES backup_job (id) ON DELETE SET NULL,
    repository_id     uuid NOT NULL REFERENCES backup_repository (id),
    requested_mode    text NOT NULL,
    -- a job's demand: the run fails rather than record less than this consistency
    minimum_consistency text,
    -- for a scheduled run: the fire it belongs to; one run per job, VM and fire, across all nodes
    scheduled_for     timestamp(6) with time zone,
    mode              text,
    writer            text NOT NULL,
    -- bytes per second for this run's copy; null for the server's default
    bandwidth_limit   bigint,
    status            text NOT NULL,
    phase             text,
    consistency       text,
    node              text NOT NULL,
    created_at        timestamp(6) with time zone NOT NULL,
    started_at        timestamp(6) with time zone,
    finished_at       timestamp(6) with time zone,
    -- set while Stillpoint holds the guest, so that recovery after a crash knows to resume it
    held_since        timestamp(6) with time zone,
    hold_mode         text,
    prior_state       text,
    downtime_millis   bigint,
    phase_millis      jsonb NOT NULL DEFAULT '{}'::jsonb,
    bytes_total       bigint NOT NULL DEFAULT 0,
    bytes_copied      bigint NOT NULL DEFAULT 0,
    files_total       bigint NOT NULL DEFAULT 0,
    files_copied      bigint NOT NULL DEFAULT 0,
    partial_path      text,
    restore_point_id  uuid,
    error             text
);
CREATE INDEX backup_run_vm ON backup_run (vm_id, created_at DESC);
CREATE UNIQUE INDEX backup_run_one_per_fire ON backup_run (job_id, vm_id, scheduled_for) WHERE scheduled_for IS NOT NULL;
CREATE INDEX backup_run_active ON backup_run (status) WHERE status IN ('QUEUED', 'RUNNING');

CREATE TABLE restore_point (
    id               uuid PRIMARY KEY,
    vm_id            uuid NOT NULL REFERENCES vm (id),
    run_id           uuid NOT NULL REFERENCES backup_run (id),
    repository_id    uuid NOT NULL REFERENCES backup_repository (id),
    created_at       timestamp(6) with time zone NOT NULL,
    cataloged_at     timestamp(6) with time zone NOT NULL,
    mode             text NOT NULL,
    consistency      text NOT NULL,
    writer           text NOT NULL,
    relative_path    text NOT NULL,
    size_bytes       bigint NOT NULL,
    file_count       bigint NOT NULL,
    manifest_sha256  text NOT NULL,
    protected        boolean NOT NULL DEFAULT false,
    verified_at      timestamp(6) with time zone,
    verify_status    text,
    verify_problems  text
);
CREATE INDEX restore_point_vm ON restore_point (vm_id, created_at DESC);
ALTER TABLE backup_run ADD CONSTRAINT backup_run_restore_point FOREIGN KEY (restore_point_id) REFERENCES restore_point (id) ON DELETE SET NULL;

CREATE TABLE restore (
    id                uuid PRIMARY KEY,
    restore_point_id  uuid REFERENCES restore_point (id) ON DELETE SET NULL,
    vm_id             uuid NOT NULL REFERENCES vm (id),
    target            text NOT NULL,
    target_path       text NOT NULL,
    start_after       boolean NOT NULL,
    stop_vm           boolean NOT NULL,
    keep_previous     boolean NOT NULL DEFAULT false,
    forced            boolean NOT NULL DEFAULT false,
    -- for a restore as a new VM: on which host, under which name, and the VM it became
    host_id           uuid REFERENCES host (id),
    new_vm_name       text,
    new_vm_id         uuid REFERENCES vm (id),
    -- a client's Idempotency-Key and a digest of its request, so a retry finds this restore again
    idempotency_key   text UNIQUE,
    request_digest    text,
    status            text NOT NULL,
    node              text NOT NULL,
    requested_by      text,
    created_at        timestamp(6) with time zone NOT NULL,
    started_at        timestamp(6) with time zone,
    finished_at       timestamp(6) with time zone,
    staging_path      text,
    bytes_total       bigint NOT NULL DEFAULT 0,
    bytes_copied      bigint NOT NULL DEFAULT 0,
    files_copied      bigint NOT NULL DEFAULT 0,
    error             text
);
CREATE INDEX restore_active ON restore (status) WHERE status IN ('QUEUED', 'RUNNING');

-- At most one backup run or in-place restore per VM at a time, across every server node: the
-- primary key is the lock, taken in the transaction that creates the run or restore.
-- Each node's last sign of life; a node silent for too long has its unfinished runs recovered by
-- another.
CREATE TABLE node_heartbeat (
    node       text PRIMARY KEY,
    last_seen  timestamp(6) with time zone NOT NULL
);

CREATE TABLE vm_lock (
    vm_id        uuid PRIMARY KEY REFERENCES vm (id),
    holder       text NOT NULL,
    holder_id    uuid NOT NULL,
    node         text NOT NULL,
    acquired_at  timestamp(6) with time zone NOT NULL
);
