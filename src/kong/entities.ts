/**
 * Kong's entity tables on PostgreSQL: what an operator configures through the Admin API, decK
 * or a declarative file, and so what a backup must carry over and a fingerprint must cover.
 *
 * Left out on purpose, because they change on their own while Kong runs (a fingerprint over
 * them would differ between any two reads) or are Kong's own bookkeeping:
 *   cluster_events (node-to-node invalidations), ratelimiting_metrics and
 *   response_ratelimiting_metrics (counters), sessions (session plugin), oauth2_tokens and
 *   oauth2_authorization_codes (issued at runtime), acme_storage (certificates being ordered),
 *   clustering_data_planes / clustering_rpc_requests / clustering_sync_* (hybrid-mode state),
 *   tags (kept by triggers from the entities' own `tags` columns), parameters (cluster_id),
 *   locks and schema_meta (migrations bookkeeping: migrations-cli.md §3).
 *
 * Table and entity names are the DAO schemas' `name` / `table_name`:
 *   kong/db/schema/entities/{workspaces,services,routes,consumers,plugins,upstreams,targets,
 *     certificates,snis,ca_certificates,vaults,keys,key_sets,filter_chains}.lua
 *     (vaults.lua: `name = "vaults", table_name = "sm_vaults"`)
 *   kong/plugins/{acl,basic-auth,hmac-auth,jwt,key-auth,oauth2}/daos.lua
 *     (e.g. basic-auth/daos.lua: `name = "basicauth_credentials"`)
 * Tables appear in Kong's migrations at different versions (workspaces and ws_id with
 * core/009_200_to_210.lua, keys with 017_300_to_310.lua, …): callers take the ones that exist.
 */
export interface EntityTable {
  /** The PostgreSQL table. */
  readonly table: string;
  /** The entity's name in the Admin API and decK (the DAO schema's `name`). */
  readonly entity: string;
}

export const ENTITY_TABLES: readonly EntityTable[] = [
  { table: 'workspaces', entity: 'workspaces' },
  { table: 'services', entity: 'services' },
  { table: 'routes', entity: 'routes' },
  { table: 'consumers', entity: 'consumers' },
  { table: 'plugins', entity: 'plugins' },
  { table: 'upstreams', entity: 'upstreams' },
  { table: 'targets', entity: 'targets' },
  { table: 'certificates', entity: 'certificates' },
  { table: 'snis', entity: 'snis' },
  { table: 'ca_certificates', entity: 'ca_certificates' },
  { table: 'sm_vaults', entity: 'vaults' },
  { table: 'key_sets', entity: 'key_sets' },
  { table: 'keys', entity: 'keys' },
  { table: 'filter_chains', entity: 'filter_chains' },
  { table: 'acls', entity: 'acls' },
  { table: 'basicauth_credentials', entity: 'basicauth_credentials' },
  { table: 'hmacauth_credentials', entity: 'hmacauth_credentials' },
  { table: 'jwt_secrets', entity: 'jwt_secrets' },
  { table: 'keyauth_credentials', entity: 'keyauth_credentials' },
  { table: 'oauth2_credentials', entity: 'oauth2_credentials' },
];

/** Tables whose rows change while Kong runs: never fingerprinted (see above). */
export const VOLATILE_TABLES: readonly string[] = [
  'cluster_events',
  'ratelimiting_metrics',
  'response_ratelimiting_metrics',
  'sessions',
  'oauth2_tokens',
  'oauth2_authorization_codes',
  'acme_storage',
  'clustering_data_planes',
  'clustering_rpc_requests',
  'clustering_sync_version',
  'clustering_sync_delta',
  'tags',
  'parameters',
  'locks',
  'schema_meta',
];

export function entityForTable(table: string): string | undefined {
  return ENTITY_TABLES.find((t) => t.table === table)?.entity;
}
