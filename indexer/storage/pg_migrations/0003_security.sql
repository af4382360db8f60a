-- Principals, their hashed API keys and the hash-chained audit log, in the index's database when it is
-- PostgreSQL (search_api/security/postgres.py): every replica authenticates and audits in one place.
CREATE TABLE principals (
    name TEXT PRIMARY KEY,
    id TEXT,
    roles TEXT NOT NULL,
    clearance INTEGER NOT NULL,
    units TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY,
    principal TEXT NOT NULL REFERENCES principals(name),
    key_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_keys_principal ON api_keys(principal);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time TEXT NOT NULL,
    principal TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    query TEXT,
    filters TEXT NOT NULL DEFAULT '{}',
    chunk_ids TEXT NOT NULL DEFAULT '[]',
    doc_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'ok',
    detail TEXT,
    http_status INTEGER,
    clearance INTEGER NOT NULL DEFAULT 3,
    units TEXT,
    prev_hash TEXT,
    row_hash TEXT
);
CREATE INDEX audit_log_principal ON audit_log(principal, time);
CREATE INDEX audit_log_time ON audit_log(time);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
