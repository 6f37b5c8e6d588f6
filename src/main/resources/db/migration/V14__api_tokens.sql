-- API tokens: a user's long-lived credentials for scripts and tools, sent as "Authorization: Bearer".
-- Only the SHA-256 of the secret is kept; the secret itself is shown once, when the token is made. A
-- token acts with its own role, and never more than its user's current role. Removing a user removes
-- its tokens; revoking a token removes its row.
CREATE TABLE api_token (
    id            uuid PRIMARY KEY,
    username      text NOT NULL REFERENCES app_user (username) ON DELETE CASCADE,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    secret_hash   text NOT NULL UNIQUE,
    created_at    timestamp(6) with time zone NOT NULL,
    expires_at    timestamp(6) with time zone,
    -- written at most once a minute per token, so that using a token does not write the catalog on every call
    last_used_at  timestamp(6) with time zone,
    -- the audit log names a token by its user and name, so one user's token names are unique
    UNIQUE (username, name)
);
