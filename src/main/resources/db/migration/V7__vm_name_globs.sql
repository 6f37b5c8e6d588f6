-- A job's vmNamePattern was a Java regular expression, compiled and matched on every listing; some
-- patterns took minutes. It is now a glob (VmNameGlob: * ? [abc] [a-z] [!abc], a backslash escapes, whole
-- name, case-sensitive, at most 128 characters).
--
-- Each stored expression that has a glob picking exactly the same names is converted: literal characters,
-- '.', '.*', '.+', escaped punctuation, simple sets such as [0-9] or [^a-z], and the anchors ^ and $ at the
-- ends (matching was always of the whole name). Any other expression (alternatives, repetition of anything
-- but '.', \d, flags, ...) has none: converting it to a wider or narrower glob would silently back up other
-- VMs than the admin chose, so the job keeps the expression in legacy_vm_name_regex, loses its pattern and
-- is disabled; the API and the console show it, and it cannot be enabled or run until it is given a glob.

ALTER TABLE backup_job ADD COLUMN legacy_vm_name_regex text;

CREATE FUNCTION pg_temp.glob_of_regex(regex text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    body text := regex;
    glob text := '';
    i integer := 1;
    c text;
    following text;
    members text;
    closing integer;
BEGIN
    IF length(body) > 512 THEN
        RETURN NULL;
    END IF;
    IF left(body, 1) = '^' THEN
        body := substr(body, 2);
    END IF;
    IF right(body, 1) = '$' AND right(body, 2) <> '\$' THEN
        body := left(body, -1);
    END IF;
    WHILE i <= length(body) LOOP
        c := substr(body, i, 1);
        following := substr(body, i + 1, 1);
        IF c = '.' THEN
            IF following = '*' THEN
                glob := glob || '*';
                i := i + 2;
            ELSIF following = '+' THEN
                glob := glob || '?*';
                i := i + 2;
            ELSE
                glob := glob || '?';
                i := i + 1;
            END IF;
        ELSIF c = '\' THEN
            -- \d, \w, \Q and the like name classes or modes, not characters
            IF following = '' OR following ~ '[[:alnum:]]' THEN
                RETURN NULL;
            END IF;
            glob := glob || CASE WHEN following IN ('*', '?', '[', '\') THEN '\' || following ELSE following END;
            i := i + 2;
        ELSIF c = '[' THEN
            closing := position(']' IN substr(body, i + 1));
            IF closing = 0 THEN
                RETURN NULL;
            END IF;
            members := substr(body, i + 1, closing - 1);
            IF members !~ '^\^?[A-Za-z0-9 _.-]+$' THEN
                RETURN NULL;
            END IF;
            glob := glob || '[' || CASE WHEN left(members, 1) = '^' THEN '!' || substr(members, 2) ELSE members END || ']';
            i := i + closing + 1;
        ELSIF c ~ '[]^$*+?(){}|]' THEN
            RETURN NULL;
        ELSE
            glob := glob || c;
            i := i + 1;
        END IF;
        -- a quantifier on anything but '.' (or a lazy or possessive one) has no glob
        IF substr(body, i, 1) IN ('*', '+', '?', '{') THEN
            RETURN NULL;
        END IF;
    END LOOP;
    IF glob = '' OR length(glob) > 128 OR glob ~ '[[:cntrl:]]' THEN
        RETURN NULL;
    END IF;
    RETURN glob;
END;
$$;

UPDATE backup_job
   SET legacy_vm_name_regex = vm_name_pattern,
       vm_name_pattern = NULL,
       enabled = false,
       updated_at = now()
 WHERE vm_name_pattern IS NOT NULL
   AND pg_temp.glob_of_regex(vm_name_pattern) IS NULL;

UPDATE backup_job
   SET vm_name_pattern = pg_temp.glob_of_regex(vm_name_pattern),
       updated_at = now()
 WHERE vm_name_pattern IS NOT NULL
   AND vm_name_pattern IS DISTINCT FROM pg_temp.glob_of_regex(vm_name_pattern);

DROP FUNCTION pg_temp.glob_of_regex(text);
