-- Alerts. What went wrong is recorded as an alert_event, in the transaction that records the failure itself
-- where there is one, so that no failure is cataloged without its event. Events are then routed by the
-- channels' rules into notification_delivery, the outbox: one row per message to send to one channel,
-- collecting the events of one group while its grouping window is open. A node claims a due delivery with
-- FOR UPDATE SKIP LOCKED and a lease, sends it outside any transaction and records the attempt; deliveries
-- left unsent by a stop are sent after the next start, by whichever node claims them first.

CREATE TABLE alert_event (
    id                uuid PRIMARY KEY,
    type              text NOT NULL,
    severity          text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    at                timestamp(6) with time zone NOT NULL,
    summary           text NOT NULL,
    -- where in the console to look, e.g. https://backup.example:8443/#/runs/<id>
    link              text NOT NULL,
    -- what the event is about, for a group's title: "job 'nightly'", "repository 'nas'", "node 'b'"
    scope             text NOT NULL,
    -- events of one type about one scope (a job, a VM, a repository, a node) go out together
    group_key         text NOT NULL,
    vm_id             uuid,
    job_id            uuid,
    run_id            uuid,
    restore_point_id  uuid,
    repository_id     uuid,
    node              text,
    routed            boolean NOT NULL DEFAULT false
);
CREATE INDEX alert_event_at ON alert_event (at DESC);
CREATE INDEX alert_event_unrouted ON alert_event (at) WHERE NOT routed;

-- A condition that lasts (a VM unprotected, a repository nearly full, a node silent) raises its event once,
-- when the first node that sees it inserts its key; the key goes when the condition is over.
CREATE TABLE alert_condition (
    key       text PRIMARY KEY,
    since     timestamp(6) with time zone NOT NULL,
    event_id  uuid NOT NULL
);

CREATE TABLE notification_channel (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    type        text NOT NULL CHECK (type IN ('email', 'webhook')),
    enabled     boolean NOT NULL,
    -- what GET shows: SMTP server, sender and recipients, or the webhook's URL
    settings    jsonb NOT NULL,
    -- the SMTP password or the webhook's signing secret: written by the API, never read back by it
    secret      text,
    -- [{"types": ["run-failed", ...] or [] for every type, "minSeverity": "warning"}, ...]
    rules       jsonb NOT NULL,
    created_at  timestamp(6) with time zone NOT NULL,
    updated_at  timestamp(6) with time zone NOT NULL
);

CREATE TABLE notification_delivery (
    id                uuid PRIMARY KEY,
    channel_id        uuid NOT NULL REFERENCES notification_channel (id) ON DELETE CASCADE,
    group_key         text NOT NULL,
    -- OPEN: collecting events until due_at; SENDING: claimed by a node until claimed_until; RETRYING: the
    -- next attempt at due_at; SENT and FAILED (given up) are final
    status            text NOT NULL CHECK (status IN ('OPEN', 'SENDING', 'RETRYING', 'SENT', 'FAILED')),
    created_at        timestamp(6) with time zone NOT NULL,
    due_at            timestamp(6) with time zone NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    first_attempt_at  timestamp(6) with time zone,
    claimed_by        text,
    claimed_until     timestamp(6) with time zone,
    finished_at       timestamp(6) with time zone,
    last_error        text
);
-- At most one delivery per channel and group collects events: a second node routing the same group at the
-- same instant fails on this index, and its events are routed again into the first one.
CREATE UNIQUE INDEX notification_delivery_open ON notification_delivery (channel_id, group_key) WHERE status = 'OPEN';
CREATE INDEX notification_delivery_due ON notification_delivery (due_at) WHERE status IN ('OPEN', 'SENDING', 'RETRYING');

CREATE TABLE notification_delivery_event (
    delivery_id  uuid NOT NULL REFERENCES notification_delivery (id) ON DELETE CASCADE,
    event_id     uuid NOT NULL REFERENCES alert_event (id) ON DELETE CASCADE,
    PRIMARY KEY (delivery_id, event_id)
);

-- Every attempt to send, with the receiver's answer, shown per channel; a test message has no delivery.
CREATE TABLE notification_attempt (
    id               uuid PRIMARY KEY,
    channel_id       uuid NOT NULL REFERENCES notification_channel (id) ON DELETE CASCADE,
    delivery_id      uuid REFERENCES notification_delivery (id) ON DELETE CASCADE,
    at               timestamp(6) with time zone NOT NULL,
    duration_millis  bigint NOT NULL,
    ok               boolean NOT NULL,
    -- the HTTP status of a webhook's answer; null for e-mail and for a receiver that did not answer
    status_code      integer,
    -- the first characters of the answer, or why there was none
    answer           text,
    events           integer NOT NULL
);
CREATE INDEX notification_attempt_channel_at ON notification_attempt (channel_id, at DESC);

-- A VM's own bound on the age of its newest restore point, besides what its jobs' schedules allow.
ALTER TABLE vm ADD COLUMN max_point_age_seconds bigint CHECK (max_point_age_seconds > 0);
