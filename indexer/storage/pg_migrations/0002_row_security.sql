-- Row-level security as defence in depth: every filtered read also sets the caller's clearance and units in
-- the transaction (thammuu.max_level, thammuu.units, thammuu.unitless), and these policies hide what they
-- exclude even if a query forgot its WHERE. Unset (writers, maintenance): no restriction. Superusers and roles
-- with BYPASSRLS skip policies: run the application as an ordinary role (see README, deployment).
CREATE FUNCTION thammuu_visible(level INTEGER, unit TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT level <= COALESCE(NULLIF(current_setting('thammuu.max_level', true), '')::INTEGER, 32767)
       AND (COALESCE(current_setting('thammuu.units', true), '') IN ('', '*')
            OR (COALESCE(unit, '') = '' AND current_setting('thammuu.unitless', true) IS DISTINCT FROM 'off')
            OR unit = ANY (string_to_array(substr(current_setting('thammuu.units', true), 2), E'\x1f')))
$$;

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_access ON documents USING (thammuu_visible(classification, unit));

ALTER TABLE chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY chunks_access ON chunks USING (thammuu_visible(level, unit));
