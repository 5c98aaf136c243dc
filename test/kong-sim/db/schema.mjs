// Entity tables of the simulated Kong database, with Kong's real table and column names.
//
// One source of truth for three users:
//  - the `kong` simulator (test/kong-sim/lib/*.mjs), which turns each table's columns into the
//    real DDL each migration runs (CREATE TABLE in the migration that creates the table,
//    ALTER TABLE … ADD COLUMN in the migration that adds a column, DROP TABLE where Kong drops it);
//  - the Admin API simulator and the data generator (test/kong-sim/admin|proxy|seed), which read
//    and write these tables and need to know which columns exist at a given Kong version;
//  - our product code's tests, which read a simulated database the way they would read a real one.
//
// Column names and types follow Kong's Postgres migrations (simplified: no triggers, fewer
// indexes, no partition/ws-unique constraints):
//   kong/db/migrations/core/000_base.lua … 024_380_to_390.lua           (tag 3.9.3)
//   kong/db/migrations/operations/200_to_210.lua  (workspaces, ws_id)
//   kong/plugins/<name>/migrations/*.lua
// A column's `since` is the migration ("subsystem:name") that adds it; without `since` the
// column is created with its table (`createdBy`).

/**
 * @typedef {object} Column
 * @property {string} name     Kong's column name
 * @property {string} type     PostgreSQL type and constraints as used in the DDL
 * @property {string} [since]  "subsystem:migration" that adds the column (default: the table's createdBy)
 * @property {string} [droppedBy] "subsystem:migration" whose teardown drops the column
 */

/**
 * @typedef {object} Table
 * @property {string} name
 * @property {string} createdBy   "subsystem:migration" whose `up` creates it
 * @property {string} [droppedBy] "subsystem:migration" that drops it
 * @property {'up'|'teardown'} [droppedIn] phase of droppedBy that drops it (default 'up')
 * @property {Column[]} columns
 */

const TS = 'TIMESTAMP WITH TIME ZONE';
const CREATED_AT = { name: 'created_at', type: `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')` };
const WS_ID = (/** @type {string} */ since) => ({ name: 'ws_id', type: 'UUID REFERENCES "workspaces" ("id")', since });
const TAGS = (/** @type {string} */ since) => ({ name: 'tags', type: 'TEXT[]', since });
const UPDATED_AT_330 = { name: 'updated_at', type: `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')`, since: 'core:019_320_to_330' };

/** Kong's default workspace id is generated at migration time (operations/200_to_210.lua); we fix one. */
export const DEFAULT_WORKSPACE_ID = '00000000-0000-4000-8000-000000000000';

/** @type {Table[]} in creation order (foreign keys point backwards). */
export const TABLES = [
  // -- kong/db/migrations/core/000_base.lua
  {
    name: 'cluster_events', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'node_id', type: 'UUID NOT NULL' },
      { name: 'at', type: `${TS} NOT NULL` },
      { name: 'nbf', type: TS },
      { name: 'expire_at', type: `${TS} NOT NULL` },
      { name: 'channel', type: 'TEXT' },
      { name: 'data', type: 'TEXT' },
    ],
  },
  {
    name: 'services', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'created_at', type: TS },
      { name: 'updated_at', type: TS },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'retries', type: 'BIGINT' },
      { name: 'protocol', type: 'TEXT' },
      { name: 'host', type: 'TEXT' },
      { name: 'port', type: 'BIGINT' },
      { name: 'path', type: 'TEXT' },
      { name: 'connect_timeout', type: 'BIGINT' },
      { name: 'write_timeout', type: 'BIGINT' },
      { name: 'read_timeout', type: 'BIGINT' },
      TAGS('core:003_100_to_110'),
      { name: 'client_certificate_id', type: 'UUID REFERENCES "certificates" ("id")', since: 'core:005_120_to_130' },
      { name: 'tls_verify', type: 'BOOLEAN', since: 'core:009_200_to_210' },
      { name: 'tls_verify_depth', type: 'SMALLINT', since: 'core:009_200_to_210' },
      { name: 'ca_certificates', type: 'UUID[]', since: 'core:009_200_to_210' },
      WS_ID('core:009_200_to_210'),
      { name: 'enabled', type: 'BOOLEAN NOT NULL DEFAULT true', since: 'core:014_230_to_270' },
    ],
  },
  {
    name: 'routes', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'created_at', type: TS },
      { name: 'updated_at', type: TS },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'service_id', type: 'UUID REFERENCES "services" ("id")' },
      { name: 'protocols', type: 'TEXT[]' },
      { name: 'methods', type: 'TEXT[]' },
      { name: 'hosts', type: 'TEXT[]' },
      { name: 'paths', type: 'TEXT[]' },
      { name: 'snis', type: 'TEXT[]' },
      { name: 'sources', type: 'JSONB[]' },
      { name: 'destinations', type: 'JSONB[]' },
      { name: 'regex_priority', type: 'BIGINT' },
      { name: 'strip_path', type: 'BOOLEAN' },
      { name: 'preserve_host', type: 'BOOLEAN' },
      TAGS('core:003_100_to_110'),
      { name: 'https_redirect_status_code', type: 'INTEGER', since: 'core:004_110_to_120' },
      { name: 'headers', type: 'JSONB', since: 'core:005_120_to_130' },
      { name: 'path_handling', type: "TEXT DEFAULT 'v0'", since: 'core:007_140_to_150' },
      WS_ID('core:009_200_to_210'),
      { name: 'request_buffering', type: 'BOOLEAN', since: 'core:012_213_to_220' },
      { name: 'response_buffering', type: 'BOOLEAN', since: 'core:012_213_to_220' },
      { name: 'expression', type: 'TEXT', since: 'core:016_280_to_300' },
      { name: 'priority', type: 'BIGINT', since: 'core:016_280_to_300' },
    ],
  },
  {
    name: 'certificates', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'cert', type: 'TEXT' },
      { name: 'key', type: 'TEXT' },
      TAGS('core:003_100_to_110'),
      WS_ID('core:009_200_to_210'),
      { name: 'cert_alt', type: 'TEXT', since: 'core:013_220_to_230' },
      { name: 'key_alt', type: 'TEXT', since: 'core:013_220_to_230' },
      UPDATED_AT_330,
    ],
  },
  {
    name: 'snis', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'name', type: 'TEXT NOT NULL UNIQUE' },
      { name: 'certificate_id', type: 'UUID REFERENCES "certificates" ("id")' },
      TAGS('core:003_100_to_110'),
      WS_ID('core:009_200_to_210'),
      UPDATED_AT_330,
    ],
  },
  {
    name: 'consumers', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'username', type: 'TEXT UNIQUE' },
      { name: 'custom_id', type: 'TEXT UNIQUE' },
      TAGS('core:003_100_to_110'),
      WS_ID('core:009_200_to_210'),
      UPDATED_AT_330,
    ],
  },
  {
    name: 'plugins', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'name', type: 'TEXT NOT NULL' },
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'service_id', type: 'UUID REFERENCES "services" ("id") ON DELETE CASCADE' },
      { name: 'route_id', type: 'UUID REFERENCES "routes" ("id") ON DELETE CASCADE' },
      { name: 'config', type: 'JSONB NOT NULL' },
      { name: 'enabled', type: 'BOOLEAN NOT NULL' },
      { name: 'cache_key', type: 'TEXT UNIQUE' },
      // 008_150_to_200's teardown drops it (observed: gone after bootstrap on Kong 2.8.5 built here).
      { name: 'run_on', type: 'TEXT', droppedBy: 'core:008_150_to_200' },
      { name: 'protocols', type: 'TEXT[]', since: 'core:003_100_to_110' },
      TAGS('core:003_100_to_110'),
      WS_ID('core:009_200_to_210'),
      { name: 'instance_name', type: 'TEXT', since: 'core:018_310_to_320' },
      UPDATED_AT_330,
    ],
  },
  {
    name: 'upstreams', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'created_at', type: `${TS} DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC')` },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'hash_on', type: 'TEXT' },
      { name: 'hash_fallback', type: 'TEXT' },
      { name: 'hash_on_header', type: 'TEXT' },
      { name: 'hash_fallback_header', type: 'TEXT' },
      { name: 'hash_on_cookie', type: 'TEXT' },
      { name: 'hash_on_cookie_path', type: 'TEXT' },
      { name: 'slots', type: 'INTEGER NOT NULL' },
      { name: 'healthchecks', type: 'JSONB' },
      TAGS('core:003_100_to_110'),
      { name: 'algorithm', type: 'TEXT', since: 'core:005_120_to_130' },
      { name: 'host_header', type: 'TEXT', since: 'core:006_130_to_140' },
      { name: 'client_certificate_id', type: 'UUID REFERENCES "certificates" ("id")', since: 'core:009_200_to_210' },
      WS_ID('core:009_200_to_210'),
      { name: 'hash_on_query_arg', type: 'TEXT', since: 'core:016_280_to_300' },
      { name: 'hash_fallback_query_arg', type: 'TEXT', since: 'core:016_280_to_300' },
      { name: 'hash_on_uri_capture', type: 'TEXT', since: 'core:016_280_to_300' },
      { name: 'hash_fallback_uri_capture', type: 'TEXT', since: 'core:016_280_to_300' },
      { name: 'use_srv_name', type: 'BOOLEAN DEFAULT false', since: 'core:017_300_to_310' },
      UPDATED_AT_330,
    ],
  },
  {
    name: 'targets', createdBy: 'core:000_base', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'created_at', type: `${TS} DEFAULT (CURRENT_TIMESTAMP(3) AT TIME ZONE 'UTC')` },
      { name: 'upstream_id', type: 'UUID REFERENCES "upstreams" ("id") ON DELETE CASCADE' },
      { name: 'target', type: 'TEXT NOT NULL' },
      { name: 'weight', type: 'INTEGER NOT NULL' },
      TAGS('core:003_100_to_110'),
      WS_ID('core:009_200_to_210'),
      { name: 'cache_key', type: 'TEXT UNIQUE', since: 'core:016_280_to_300' },
      UPDATED_AT_330,
    ],
  },
  {
    // 000_base creates it; 008_150_to_200's teardown drops it (hybrid mode replaced it).
    name: 'cluster_ca', createdBy: 'core:000_base', droppedBy: 'core:008_150_to_200', droppedIn: 'teardown', columns: [
      { name: 'pk', type: 'BOOLEAN NOT NULL PRIMARY KEY CHECK(pk=true)' },
      { name: 'key', type: 'TEXT NOT NULL' },
      { name: 'cert', type: 'TEXT NOT NULL' },
    ],
  },
  {
    // 000_base.lua creates it ("TODO: delete on 1.0.0 migrations"); 020_330_to_340 drops it.
    // Observed in a 2.8.5 database bootstrapped by Kong 2.8.5 built here.
    name: 'ttls', createdBy: 'core:000_base', droppedBy: 'core:020_330_to_340', columns: [
      { name: 'primary_key_value', type: 'TEXT NOT NULL' },
      { name: 'primary_uuid_value', type: 'UUID' },
      { name: 'table_name', type: 'TEXT NOT NULL' },
      { name: 'primary_key_name', type: 'TEXT NOT NULL' },
      { name: 'expire_at', type: 'TIMESTAMP WITHOUT TIME ZONE NOT NULL' },
    ],
  },
  // -- core/003_100_to_110.lua
  {
    name: 'tags', createdBy: 'core:003_100_to_110', columns: [
      { name: 'entity_id', type: 'UUID PRIMARY KEY' },
      { name: 'entity_name', type: 'TEXT' },
      { name: 'tags', type: 'TEXT[]' },
    ],
  },
  // -- core/005_120_to_130.lua
  {
    name: 'ca_certificates', createdBy: 'core:005_120_to_130', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'cert', type: 'TEXT NOT NULL' },
      { name: 'tags', type: 'TEXT[]' },
      { name: 'cert_digest', type: 'TEXT UNIQUE', since: 'core:009_200_to_210' },
      UPDATED_AT_330,
    ],
  },
  // -- core/009_200_to_210.lua via operations/200_to_210.lua ws_add_workspaces (OSS too)
  {
    name: 'workspaces', createdBy: 'core:009_200_to_210', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'comment', type: 'TEXT' },
      CREATED_AT,
      { name: 'meta', type: 'JSONB' },
      { name: 'config', type: 'JSONB' },
      UPDATED_AT_330,
    ],
  },
  // -- core/012_213_to_220.lua
  {
    name: 'clustering_data_planes', createdBy: 'core:012_213_to_220', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'hostname', type: 'TEXT NOT NULL' },
      { name: 'ip', type: 'TEXT NOT NULL' },
      { name: 'last_seen', type: `${TS} DEFAULT (CURRENT_TIMESTAMP(0) AT TIME ZONE 'UTC')` },
      { name: 'config_hash', type: 'TEXT NOT NULL' },
      { name: 'ttl', type: TS },
      { name: 'version', type: 'TEXT', since: 'core:013_220_to_230' },
      { name: 'sync_status', type: "TEXT NOT NULL DEFAULT 'unknown'", since: 'core:013_220_to_230' },
      UPDATED_AT_330,
      { name: 'labels', type: 'JSONB', since: 'core:021_340_to_350' },
      { name: 'cert_details', type: 'JSONB', since: 'core:022_350_to_360' },
      { name: 'rpc_capabilities', type: 'TEXT[]', since: 'core:023_360_to_370' },
    ],
  },
  // -- core/013_220_to_230.lua
  {
    name: 'parameters', createdBy: 'core:013_220_to_230', columns: [
      { name: 'key', type: 'TEXT PRIMARY KEY' },
      { name: 'value', type: 'TEXT NOT NULL' },
      { name: 'created_at', type: TS },
    ],
  },
  // -- core/015_270_to_280.lua creates vaults_beta; 016_280_to_300 copies it into sm_vaults on
  // `up` and drops vaults_beta in its teardown (so both exist while 016 is pending).
  {
    name: 'vaults_beta', createdBy: 'core:015_270_to_280', droppedBy: 'core:016_280_to_300', droppedIn: 'teardown', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'ws_id', type: 'UUID REFERENCES "workspaces" ("id")' },
      { name: 'prefix', type: 'TEXT UNIQUE' },
      { name: 'name', type: 'TEXT NOT NULL' },
      { name: 'description', type: 'TEXT' },
      { name: 'config', type: 'JSONB NOT NULL' },
      CREATED_AT,
      { name: 'updated_at', type: TS },
      { name: 'tags', type: 'TEXT[]' },
    ],
  },
  {
    name: 'sm_vaults', createdBy: 'core:016_280_to_300', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'ws_id', type: 'UUID REFERENCES "workspaces" ("id")' },
      { name: 'prefix', type: 'TEXT UNIQUE' },
      { name: 'name', type: 'TEXT NOT NULL' },
      { name: 'description', type: 'TEXT' },
      { name: 'config', type: 'JSONB NOT NULL' },
      CREATED_AT,
      { name: 'updated_at', type: TS },
      { name: 'tags', type: 'TEXT[]' },
    ],
  },
  // -- core/017_300_to_310.lua
  {
    name: 'key_sets', createdBy: 'core:017_300_to_310', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'tags', type: 'TEXT[]' },
      { name: 'ws_id', type: 'UUID REFERENCES "workspaces" ("id")' },
      { name: 'created_at', type: TS },
      { name: 'updated_at', type: TS },
    ],
  },
  {
    name: 'keys', createdBy: 'core:017_300_to_310', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'set_id', type: 'UUID REFERENCES "key_sets" ("id") ON DELETE CASCADE' },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'cache_key', type: 'TEXT UNIQUE' },
      { name: 'ws_id', type: 'UUID REFERENCES "workspaces" ("id")' },
      { name: 'kid', type: 'TEXT' },
      { name: 'jwk', type: 'TEXT' },
      { name: 'pem', type: 'JSONB' },
      { name: 'tags', type: 'TEXT[]' },
      { name: 'created_at', type: TS },
      { name: 'updated_at', type: TS },
    ],
  },
  // -- core/020_330_to_340.lua
  {
    name: 'filter_chains', createdBy: 'core:020_330_to_340', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'name', type: 'TEXT UNIQUE' },
      { name: 'enabled', type: 'BOOLEAN DEFAULT TRUE' },
      { name: 'route_id', type: 'UUID REFERENCES "routes" ("id") ON DELETE CASCADE' },
      { name: 'service_id', type: 'UUID REFERENCES "services" ("id") ON DELETE CASCADE' },
      { name: 'ws_id', type: 'UUID REFERENCES "workspaces" ("id") ON DELETE CASCADE' },
      { name: 'cache_key', type: 'TEXT UNIQUE' },
      { name: 'filters', type: 'JSONB[]' },
      { name: 'tags', type: 'TEXT[]' },
      { name: 'created_at', type: TS },
      { name: 'updated_at', type: TS },
    ],
  },
  // -- core/023_360_to_370.lua
  {
    name: 'clustering_rpc_requests', createdBy: 'core:023_360_to_370', columns: [
      { name: 'id', type: 'BIGSERIAL PRIMARY KEY' },
      { name: 'node_id', type: 'UUID NOT NULL' },
      { name: 'reply_to', type: 'UUID NOT NULL' },
      { name: 'ttl', type: `${TS} NOT NULL` },
      { name: 'payload', type: 'JSON NOT NULL' },
    ],
  },
  // -- core/024_380_to_390.lua
  {
    name: 'clustering_sync_version', createdBy: 'core:024_380_to_390', columns: [
      { name: 'version', type: 'SERIAL PRIMARY KEY' },
    ],
  },
  {
    name: 'clustering_sync_delta', createdBy: 'core:024_380_to_390', columns: [
      { name: 'version', type: 'INT NOT NULL REFERENCES "clustering_sync_version" ("version") ON DELETE CASCADE' },
      { name: 'type', type: 'TEXT NOT NULL' },
      { name: 'pk', type: 'JSON NOT NULL' },
      { name: 'ws_id', type: 'UUID' },
      { name: 'entity', type: 'JSON' },
    ],
  },

  // -- bundled plugins: kong/plugins/<name>/migrations/000_base_*.lua and later
  {
    name: 'acls', createdBy: 'acl:000_base_acl', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'group', type: 'TEXT' },
      { name: 'cache_key', type: 'TEXT UNIQUE' },
      TAGS('acl:002_130_to_140'),
      WS_ID('acl:003_200_to_210'),
    ],
  },
  {
    name: 'acme_storage', createdBy: 'acme:000_base_acme', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'key', type: 'TEXT UNIQUE' },
      { name: 'value', type: 'TEXT' },
      { name: 'created_at', type: TS },
      { name: 'ttl', type: TS },
    ],
  },
  {
    name: 'basicauth_credentials', createdBy: 'basic-auth:000_base_basic_auth', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'username', type: 'TEXT UNIQUE' },
      { name: 'password', type: 'TEXT' },
      TAGS('basic-auth:002_130_to_140'),
      WS_ID('basic-auth:003_200_to_210'),
    ],
  },
  {
    name: 'hmacauth_credentials', createdBy: 'hmac-auth:000_base_hmac_auth', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'username', type: 'TEXT UNIQUE' },
      { name: 'secret', type: 'TEXT' },
      TAGS('hmac-auth:002_130_to_140'),
      WS_ID('hmac-auth:003_200_to_210'),
    ],
  },
  {
    name: 'jwt_secrets', createdBy: 'jwt:000_base_jwt', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'key', type: 'TEXT UNIQUE' },
      { name: 'secret', type: 'TEXT' },
      { name: 'algorithm', type: 'TEXT' },
      { name: 'rsa_public_key', type: 'TEXT' },
      TAGS('jwt:002_130_to_140'),
      WS_ID('jwt:003_200_to_210'),
    ],
  },
  {
    name: 'keyauth_credentials', createdBy: 'key-auth:000_base_key_auth', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'key', type: 'TEXT UNIQUE' },
      { name: 'ttl', type: TS, since: 'key-auth:002_130_to_140' },
      TAGS('key-auth:002_130_to_140'),
      WS_ID('key-auth:003_200_to_210'),
    ],
  },
  {
    name: 'oauth2_credentials', createdBy: 'oauth2:000_base_oauth2', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'name', type: 'TEXT' },
      { name: 'consumer_id', type: 'UUID REFERENCES "consumers" ("id") ON DELETE CASCADE' },
      { name: 'client_id', type: 'TEXT UNIQUE' },
      { name: 'client_secret', type: 'TEXT' },
      { name: 'redirect_uris', type: 'TEXT[]' },
      TAGS('oauth2:003_130_to_140'),
      { name: 'client_type', type: 'TEXT', since: 'oauth2:004_200_to_210' },
      { name: 'hash_secret', type: 'BOOLEAN', since: 'oauth2:004_200_to_210' },
      WS_ID('oauth2:004_200_to_210'),
    ],
  },
  {
    name: 'oauth2_authorization_codes', createdBy: 'oauth2:000_base_oauth2', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'credential_id', type: 'UUID REFERENCES "oauth2_credentials" ("id") ON DELETE CASCADE' },
      { name: 'service_id', type: 'UUID REFERENCES "services" ("id") ON DELETE CASCADE' },
      { name: 'code', type: 'TEXT UNIQUE' },
      { name: 'authenticated_userid', type: 'TEXT' },
      { name: 'scope', type: 'TEXT' },
      { name: 'ttl', type: TS },
      { name: 'challenge', type: 'TEXT', since: 'oauth2:004_200_to_210' },
      { name: 'challenge_method', type: 'TEXT', since: 'oauth2:004_200_to_210' },
      WS_ID('oauth2:004_200_to_210'),
      { name: 'plugin_id', type: 'UUID REFERENCES "plugins" ("id") ON DELETE CASCADE', since: 'oauth2:007_320_to_330' },
    ],
  },
  {
    name: 'oauth2_tokens', createdBy: 'oauth2:000_base_oauth2', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      CREATED_AT,
      { name: 'credential_id', type: 'UUID REFERENCES "oauth2_credentials" ("id") ON DELETE CASCADE' },
      { name: 'service_id', type: 'UUID REFERENCES "services" ("id") ON DELETE CASCADE' },
      { name: 'access_token', type: 'TEXT UNIQUE' },
      { name: 'refresh_token', type: 'TEXT UNIQUE' },
      { name: 'token_type', type: 'TEXT' },
      { name: 'expires_in', type: 'INTEGER' },
      { name: 'authenticated_userid', type: 'TEXT' },
      { name: 'scope', type: 'TEXT' },
      { name: 'ttl', type: TS },
      WS_ID('oauth2:004_200_to_210'),
    ],
  },
  {
    name: 'ratelimiting_metrics', createdBy: 'rate-limiting:000_base_rate_limiting', columns: [
      { name: 'identifier', type: 'TEXT NOT NULL' },
      { name: 'period', type: 'TEXT NOT NULL' },
      { name: 'period_date', type: `${TS} NOT NULL` },
      { name: 'service_id', type: "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID" },
      { name: 'route_id', type: "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID" },
      { name: 'value', type: 'INTEGER' },
      { name: 'ttl', type: TS, since: 'rate-limiting:004_200_to_210' },
    ],
  },
  {
    name: 'response_ratelimiting_metrics', createdBy: 'response-ratelimiting:000_base_response_rate_limiting', columns: [
      { name: 'identifier', type: 'TEXT NOT NULL' },
      { name: 'period', type: 'TEXT NOT NULL' },
      { name: 'period_date', type: `${TS} NOT NULL` },
      { name: 'service_id', type: "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID" },
      { name: 'route_id', type: "UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000'::UUID" },
      { name: 'value', type: 'INTEGER' },
    ],
  },
  {
    name: 'sessions', createdBy: 'session:000_base_session', columns: [
      { name: 'id', type: 'UUID PRIMARY KEY' },
      { name: 'session_id', type: 'TEXT UNIQUE' },
      { name: 'expires', type: 'INT' },
      { name: 'data', type: 'TEXT' },
      { name: 'created_at', type: TS },
      { name: 'ttl', type: TS },
    ],
  },
];

/** Extra primary keys declared at table level (composite keys). */
const TABLE_CONSTRAINTS = /** @type {Record<string, string>} */ ({
  ttls: 'PRIMARY KEY ("primary_key_value", "table_name")',
  ratelimiting_metrics: 'PRIMARY KEY ("identifier", "period", "period_date", "service_id", "route_id")',
  response_ratelimiting_metrics: 'PRIMARY KEY ("identifier", "period", "period_date", "service_id", "route_id")',
});

/**
 * Real SQL a migration runs besides creating/altering/dropping the tables above (indexes, the
 * default workspace row, config rewrites). Keyed "subsystem:migration".
 * @type {Record<string, string>}
 */
const EXTRA_UP = {
  'core:000_base': 'CREATE INDEX IF NOT EXISTS "cluster_events_channel_idx" ON "cluster_events" ("channel");',
  'core:003_100_to_110': 'CREATE INDEX IF NOT EXISTS "tags_entity_name_idx" ON "tags" ("entity_name");',
  // operations/200_to_210.lua ws_add_workspaces: the default workspace row.
  'core:009_200_to_210': `INSERT INTO "workspaces" ("id", "name") VALUES ('${DEFAULT_WORKSPACE_ID}', 'default') ON CONFLICT DO NOTHING;`,
  // Guarded like Kong's (to_regclass) so a forced re-run after the teardown still succeeds.
  'core:016_280_to_300': `DO $$ BEGIN IF to_regclass('vaults_beta') IS NOT NULL THEN
  INSERT INTO "sm_vaults" SELECT * FROM "vaults_beta" ON CONFLICT DO NOTHING;
END IF; END $$;`,
  'session:001_add_ttl_index': 'CREATE INDEX IF NOT EXISTS "sessions_ttl_idx" ON "sessions" ("ttl");',
  'rate-limiting:004_200_to_210': 'CREATE INDEX IF NOT EXISTS "ratelimiting_metrics_ttl_idx" ON "ratelimiting_metrics" ("ttl");',
};

/**
 * Plugin migrations that only rewrite the plugin's own `plugins.config` rows in Kong (no table of
 * their own): we run the same kind of UPDATE, harmless but real.
 * @param {string} plugin
 */
const configRewrite = (plugin) =>
  `UPDATE "plugins" SET "config" = "config" WHERE "name" = '${plugin.replace(/'/g, "''")}';`;

/** @param {string} name */
const q = (name) => `"${name.replace(/"/g, '""')}"`;

/** @param {Table} table @param {string} key */
function createTableSql(table, key) {
  const cols = table.columns.filter((c) => !c.since || c.since === key).map((c) => `  ${q(c.name)} ${c.type}`);
  const extra = TABLE_CONSTRAINTS[table.name];
  if (extra) cols.push(`  ${extra}`);
  return `CREATE TABLE IF NOT EXISTS ${q(table.name)} (\n${cols.join(',\n')}\n);`;
}

/**
 * The SQL of a migration's `up`, as the simulator runs it inside `BEGIN; … COMMIT;`
 * (kong/db/strategies/postgres/connector.lua run_up_migration).
 * @param {string} subsystem
 * @param {string} name
 * @returns {string}
 */
export function upSql(subsystem, name) {
  const key = `${subsystem}:${name}`;
  const out = [];
  for (const table of TABLES) {
    if (table.createdBy === key) out.push(createTableSql(table, key));
  }
  for (const table of TABLES) {
    if (table.createdBy === key) continue;
    for (const column of table.columns) {
      if (column.since === key) {
        out.push(`ALTER TABLE IF EXISTS ONLY ${q(table.name)} ADD COLUMN IF NOT EXISTS ${q(column.name)} ${column.type};`);
      }
    }
  }
  if (EXTRA_UP[key]) out.push(EXTRA_UP[key]);
  for (const table of TABLES) {
    if (table.droppedBy === key && (table.droppedIn ?? 'up') === 'up') out.push(`DROP TABLE IF EXISTS ${q(table.name)} CASCADE;`);
  }
  if (out.length === 0) {
    // Kong's migration only changes data or constraints we do not model: run harmless real SQL on
    // the relevant table so the migration still takes a transaction and can fail for real.
    out.push(subsystem === 'core'
      ? `COMMENT ON TABLE "services" IS ${literal(`kong-sim ${key}`)};`
      : configRewrite(subsystem));
  }
  return out.join('\n');
}

/**
 * The SQL of a migration's teardown (Kong's teardowns are Lua functions doing data fix-ups; we run
 * the DDL that ends the expand/contract cycle where we model one, else a harmless query).
 * @param {string} subsystem
 * @param {string} name
 * @returns {string}
 */
export function teardownSql(subsystem, name) {
  const key = `${subsystem}:${name}`;
  const out = [];
  for (const table of TABLES) {
    if (table.droppedBy === key && table.droppedIn === 'teardown') out.push(`DROP TABLE IF EXISTS ${q(table.name)} CASCADE;`);
    for (const column of table.columns) {
      if (column.droppedBy === key) out.push(`ALTER TABLE IF EXISTS ONLY ${q(table.name)} DROP COLUMN IF EXISTS ${q(column.name)};`);
    }
  }
  if (key === 'core:009_200_to_210') {
    // ws_adjust_data: every core row gets the default workspace.
    for (const t of ['services', 'routes', 'consumers', 'plugins', 'upstreams', 'targets', 'certificates', 'snis']) {
      out.push(`UPDATE ${q(t)} SET "ws_id" = '${DEFAULT_WORKSPACE_ID}' WHERE "ws_id" IS NULL;`);
    }
  }
  if (out.length === 0) out.push(subsystem === 'core' ? 'SELECT 1;' : configRewrite(subsystem));
  return out.join('\n');
}

/** @param {string} s */
function literal(s) {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Tables (and their columns) that exist once the given migrations have run.
 * @param {Iterable<string>} executedKeys "subsystem:migration" keys whose `up` ran
 * @param {Iterable<string>} [tornDownKeys] keys whose teardown ran too (default: none)
 * @returns {{ name: string, columns: string[] }[]}
 */
export function tablesAfter(executedKeys, tornDownKeys = []) {
  const up = new Set(executedKeys);
  const down = new Set(tornDownKeys);
  return TABLES.filter((t) => up.has(t.createdBy)
    && !(t.droppedBy && (t.droppedIn === 'teardown' ? down.has(t.droppedBy) : up.has(t.droppedBy))))
    .map((t) => ({
      name: t.name,
      columns: t.columns.filter((c) => (!c.since || up.has(c.since)) && !(c.droppedBy && down.has(c.droppedBy))).map((c) => c.name),
    }));
}

/** Kong's bookkeeping tables (connector.lua schema_bootstrap / setup_locks), not entities. */
export const META_TABLES = ['schema_meta', 'locks'];
