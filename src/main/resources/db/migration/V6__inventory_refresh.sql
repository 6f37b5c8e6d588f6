-- Hosts that list their guests keep the catalog in step (POST /api/hosts/{id}/refresh and a schedule).
-- A VM that is no longer on its host is marked, never deleted: its restore points stay restorable.
ALTER TABLE vm ADD COLUMN vanished_at timestamp(6) with time zone;

-- The last refresh of each host: when it was tried, and why it failed (null when it succeeded). A host
-- that cannot be reached marks nothing vanished.
ALTER TABLE host ADD COLUMN last_refresh_at timestamp(6) with time zone;
ALTER TABLE host ADD COLUMN last_refresh_error text;
