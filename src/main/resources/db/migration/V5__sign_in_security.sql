-- Console sessions a user's logout or password change ends, and failed sign-ins for throttling.

-- When the user's current console sessions began: the first form sign-in after the last logout or
-- password change. A session cookie issued before it (or any cookie while it is NULL) is refused, so
-- logging out or changing the password ends every session of the user on every node.
ALTER TABLE app_user ADD COLUMN sessions_since timestamp(6) with time zone;

-- Sign-in attempts, one row per key ('user:<name>' and 'address:<ip>') of each: written as pending
-- before the password is checked, kept as a failure if it was wrong, removed if it was right. Pending
-- attempts count too (up to a margin), so that guesses sent in parallel cannot outrun the limit. Rows
-- older than the throttling window are pruned.
CREATE TABLE sign_in_failure (
    attempt  uuid NOT NULL,
    key      text NOT NULL,
    at       timestamp(6) with time zone NOT NULL,
    pending  boolean NOT NULL
);
CREATE INDEX sign_in_failure_key_at ON sign_in_failure (key, at);
CREATE INDEX sign_in_failure_attempt ON sign_in_failure (attempt);

-- Where a sign-in came from, for the audit events of failed and throttled sign-ins.
ALTER TABLE audit_event ADD COLUMN address text;
