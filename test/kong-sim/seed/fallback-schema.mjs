// Enterprise-only tables the simulated Admin API serves. The kong-sim migrations
// (test/kong-sim/db/schema.mjs) model OSS Kong only; Kong EE's DDL is not public.

/**
 * consumer_groups: columns modelled on the EE Admin API reference (id, name, created_at,
 * updated_at, tags) + ws_id like every workspaceable entity. UNVERIFIED.
 */
export const FALLBACK_EE_DDL = `
CREATE TABLE IF NOT EXISTS consumer_groups (
  id uuid PRIMARY KEY, created_at timestamptz DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  updated_at timestamptz DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC'),
  name text, tags text[], ws_id uuid REFERENCES workspaces (id), UNIQUE (ws_id, name));
`;
