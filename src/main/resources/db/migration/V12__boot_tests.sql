-- Boot tests: a restore point's disks started in a throwaway sandbox to prove they hold a system that boots.
-- A point may be tested many times; the newest test is the point's verdict. The screenshot and the serial
-- log live in a folder of Stillpoint's under its home (never in the repository: nothing writes into a
-- committed point), named by the test's id; the rows go with their point.
CREATE TABLE boot_test (
    id                uuid PRIMARY KEY,
    restore_point_id  uuid NOT NULL REFERENCES restore_point (id) ON DELETE CASCADE,
    status            text NOT NULL CHECK (status IN ('RUNNING', 'PASSED', 'FAILED', 'CANCELLED')),
    -- how the guest was started: 'qemu' (a sandbox QEMU) or 'simulated'
    kind              text NOT NULL,
    started_at        timestamp(6) with time zone NOT NULL,
    finished_at       timestamp(6) with time zone,
    -- from the sandbox's start to the proof that the guest is up
    boot_millis       bigint,
    evidence          text,
    has_screenshot    boolean NOT NULL DEFAULT false,
    has_serial_log    boolean NOT NULL DEFAULT false,
    -- what the request asked for beyond the configuration
    check_command     jsonb,
    serial_pattern    text,
    timeout_seconds   integer NOT NULL,
    requested_by      text,
    -- the node that runs the sandbox, and the sandbox's QEMU process while it runs: start-up recovery kills
    -- it only if it is still the QEMU whose command line names the test's own work folder
    node              text NOT NULL,
    sandbox_pid       bigint
);
CREATE INDEX boot_test_point ON boot_test (restore_point_id, started_at DESC);
CREATE INDEX boot_test_running ON boot_test (node) WHERE status = 'RUNNING';
-- one running test per point, also when two requests race
CREATE UNIQUE INDEX boot_test_one_running ON boot_test (restore_point_id) WHERE status = 'RUNNING';

ALTER TABLE backup_job ADD COLUMN boot_test_after boolean NOT NULL DEFAULT false;
