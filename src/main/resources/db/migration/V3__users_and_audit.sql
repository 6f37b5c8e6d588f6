-- Console and API users with bcrypt password hashes, and the audit log of every state-changing call.

CREATE TABLE app_user (
    username    text PRIMARY KEY,
    password    text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    created_at  timestamp(6) with time zone NOT NULL
);

CREATE TABLE audit_event (
    id        uuid PRIMARY KEY,
    at        timestamp(6) with time zone NOT NULL,
    username  text,
    action    text NOT NULL,
    target    text NOT NULL,
    status    integer NOT NULL
);
CREATE INDEX audit_event_at ON audit_event (at DESC);
