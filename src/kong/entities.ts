import { recordOf, wholeNumber, type Shape } from '../lib/json-shape.js';

/**
 * The one catalogue of Kong's entity types: their tables on PostgreSQL (what a backup carries
 * and a fingerprint covers), their Admin API collections (what an inventory counts and an export
 * reads), and the counts both key by workspace and entity name, so a count taken from the
 * database compares with one taken through the Admin API, key by key.
 */

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
 *   locks and schema_meta (migrations bookkeeping: schema-meta.ts).
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

/** Workspaced entity types, by Admin API collection (= DAO name = the counts' entity name). */
export const WORKSPACED_TYPES = ['services', 'routes', 'consumers', 'plugins', 'upstreams', 'targets', 'certificates', 'snis'] as const;
/** consumer_groups exist on Enterprise only: not among Kong/kong 3.4.2 kong/constants.lua CORE_ENTITIES (l.127), so OSS answers 404. */
export const ENTERPRISE_TYPES = ['consumer_groups'] as const;
/** ca_certificates have no ws_id (core/009_200_to_210.lua leaves them global): counted once under `*`. */
export const GLOBAL_TYPES = ['ca_certificates'] as const;

/**
 * Collections beyond the workspaced types, by Admin API path, with the DAO name the counts use
 * (kong/plugins/<plugin>/daos.lua, kong/db/schema/entities/*.lua). A node without the plugin or
 * the entity (vaults before 2.8, keys before 3.1) answers 404.
 */
export const OPTIONAL_COLLECTIONS: readonly { readonly path: string; readonly entity: string }[] = [
  { path: 'key-auths', entity: 'keyauth_credentials' },
  { path: 'basic-auths', entity: 'basicauth_credentials' },
  { path: 'hmac-auths', entity: 'hmacauth_credentials' },
  { path: 'jwts', entity: 'jwt_secrets' },
  { path: 'acls', entity: 'acls' },
  { path: 'oauth2', entity: 'oauth2_credentials' },
  { path: 'vaults', entity: 'vaults' },
  { path: 'key-sets', entity: 'key_sets' },
  { path: 'keys', entity: 'keys' },
];

/** The counts' key for entities that belong to no workspace. */
export const GLOBAL_WORKSPACE = '*';

/** Entity counts: workspace name → entity name → rows. Entities without `ws_id` count under `*`. */
export type EntityCounts = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** EntityCounts as every contract that carries counts checks them (manifest, export, smoke report). */
export const ENTITY_COUNTS_SHAPE: Shape = recordOf(/^\S{1,256}$/, recordOf(/^[a-z0-9_]{1,64}$/, wholeNumber(0)));

/**
 * Workspaces, then entities within each, in code-unit order (the same on every machine, whatever
 * its locale): the same counts serialise to the same bytes.
 */
export function sortCounts(counts: EntityCounts): EntityCounts {
  const sorted: Record<string, Record<string, number>> = {};
  for (const ws of Object.keys(counts).sort()) {
    const inner: Record<string, number> = {};
    for (const entity of Object.keys(counts[ws]!).sort()) inner[entity] = counts[ws]![entity]!;
    sorted[ws] = inner;
  }
  return sorted;
}
