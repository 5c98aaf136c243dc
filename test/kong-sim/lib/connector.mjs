// The PostgreSQL side of the simulator: Kong's connector SQL, run for real through `pg`.
// Every statement mirrors kong/db/strategies/postgres/connector.lua (tag 3.9.3); see
// /work/shared/kong-facts/migrations-cli.md §3.

import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

/** Error raised by the connector: `message` is already in Kong's (pgmoon's) wording. */
export class KongDbError extends Error {}

/**
 * pgmoon's error text for a server error: "<severity>: <message>[ (<position>)][\n<detail>]"
 * (pgmoon 1.16.0 parse_error). Socket errors are ngx.socket's words ("connection refused",
 * "timeout", "closed"). A read that times out is pgmoon's receive_message:
 * "receive_message: failed to get type: timeout" (pgmoon 1.16.0 pgmoon/init.lua l.895; observed
 * on Kong 2.8.5 built here: `--db-timeout 1` against a locked schema_meta); a connect that times
 * out is ngx.socket's bare "timeout".
 * @param {unknown} error
 * @param {string} host
 * @param {'connect' | 'query'} [phase]
 */
export function pgmoonError(error, host, phase = 'connect') {
  const e = /** @type {{ severity?: string, message?: string, position?: string, detail?: string, code?: string }} */ (error);
  if (e && e.severity && e.message) {
    let msg = `${e.severity}: ${e.message}`;
    if (e.position) msg += ` (${e.position})`;
    if (e.detail) msg += `\n${e.detail}`;
    return msg;
  }
  switch (e?.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return `${host} could not be resolved (3: Host not found)`;
    case 'ETIMEDOUT': return 'timeout';
    case 'ECONNRESET': case 'EPIPE': return 'closed';
    default: break;
  }
  const message = String(e?.message ?? error);
  if (/timeout/i.test(message)) return phase === 'query' ? 'receive_message: failed to get type: timeout' : 'timeout';
  if (/Connection terminated|not queryable|closed/i.test(message)) return 'closed';
  return message;
}

/**
 * @typedef {object} PgConfig
 * @property {string} host
 * @property {number} port
 * @property {string} user
 * @property {string | undefined} password
 * @property {string} database
 * @property {string} schema   '' = CURRENT_SCHEMA
 * @property {number} timeout  ms (pg_timeout: connect + send + read)
 * @property {boolean} ssl
 * @property {boolean} sslVerify
 */

export class Connector {
  /** @param {PgConfig} config */
  constructor(config) {
    this.config = { ...config };
    /** @type {pg.Client | undefined} */
    this.client = undefined;
    /** Ephemeral lock owner, like kong.node.get_id() in the CLI (db/init.lua cluster_mutex). */
    this.owner = randomUUID();
  }

  /** connector.lua connect()/reconnect(): connect, resolve the schema, SET SCHEMA + TIME ZONE. */
  async connect() {
    if (this.client) return this.client;
    const { config } = this;
    // pgmoon send_ssl_message: a server that answers N to SSLRequest is used in plaintext unless
    // ssl_required, which Kong's connector never sets (no pg_ssl_required in kong_defaults.lua at
    // 2.8.5, 3.4.2, 3.9.3). Observed on Kong 2.8.5 built here: KONG_PG_SSL=on (and
    // KONG_PG_SSL_VERIFY=on) against a server with ssl = off connects and works.
    const ssl = config.ssl && (await serverAcceptsTls(config)) ? { rejectUnauthorized: config.sslVerify } : false;
    const client = new pg.Client({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password ?? '',
      database: config.database,
      ssl,
      connectionTimeoutMillis: config.timeout,
      query_timeout: config.timeout,
      application_name: 'kong-sim',
    });
    // A backend killed while idle sends FATAL and closes; node-pg emits it as 'error'. pgmoon
    // would read that FATAL message on its next query, so we report it there.
    /** @type {unknown} */
    this.asyncError = undefined;
    // Keep the server's FATAL (the first error); node-pg follows it with "Connection terminated".
    client.on('error', (error) => { this.asyncError ??= error; });
    try {
      await client.connect();
    } catch (error) {
      // pgmoon scram_sha_256_auth reads the server's answer to its client-final message as a
      // SASL final and finds no server signature: "authentication exchange unsuccessful" (pgmoon
      // 1.16.0; observed on Kong 2.8.5 built here with a wrong KONG_PG_PASSWORD). md5 and
      // cleartext read the server's FATAL through parse_error.
      if (/** @type {{ code?: string }} */ (error).code === '28P01' && (await authMethod(config)) === SASL) {
        throw new KongDbError('authentication exchange unsuccessful');
      }
      throw new KongDbError(pgmoonError(error, config.host));
    }
    this.client = client;
    if (config.schema === '') {
      const res = await this.query('SELECT CURRENT_SCHEMA AS schema');
      config.schema = res[0]?.rows[0]?.schema ?? 'public';
    }
    await this.query(`SET SCHEMA ${literal(config.schema)};\nSET TIME ZONE ${literal('UTC')};`);
    return client;
  }

  /** connector.lua close(). */
  async close() {
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => {});
  }

  /**
   * Runs SQL (simple protocol, several statements allowed) and returns one result per statement.
   * Errors come back in pgmoon's wording.
   * @param {string} sql
   * @returns {Promise<pg.QueryResult[]>}
   */
  async query(sql) {
    const client = await this.connect();
    try {
      const res = /** @type {pg.QueryResult | pg.QueryResult[]} */ (/** @type {unknown} */ (await client.query(sql)));
      return Array.isArray(res) ? res : [res];
    } catch (error) {
      let msg = pgmoonError(error, this.config.host, 'query');
      if (msg === 'closed' && this.asyncError) msg = pgmoonError(this.asyncError, this.config.host, 'query');
      if (msg === 'closed' || /timeout$/.test(msg) || /^FATAL/.test(msg)) {
        // The socket is gone: drop it so a later call reconnects (Kong's pool does the same).
        this.client = undefined;
        client.end().catch(() => {});
      }
      throw new KongDbError(msg);
    }
  }

  /** connector.lua init(): `SHOW server_version_num;` */
  async init() {
    try {
      const res = await this.query('SHOW server_version_num;');
      const ver = Number(res[0]?.rows[0]?.server_version_num);
      if (!ver) throw new KongDbError('');
      this.serverVersionNum = ver;
    } catch (error) {
      // -- kong/db/strategies/postgres/connector.lua l.289-294
      throw new KongDbError(`failed to retrieve PostgreSQL server_version_num: ${error instanceof KongDbError ? error.message : String(error)}`);
    }
  }

  /** Table names in the current schema (connector.lua get_table_names / SQL_INFORMATION_SCHEMA_TABLES). */
  async tableNames() {
    const res = await this.query(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = CURRENT_SCHEMA;');
    return res[0]?.rows.map((r) => /** @type {string} */ (r.table_name)) ?? [];
  }

  /**
   * connector.lua schema_migrations() l.731-776: undefined when there is no schema_meta table
   * (needs bootstrap), else the rows with key = 'schema_meta'.
   * @returns {Promise<{ subsystem: string, last_executed: string | null, executed: string[] | null, pending: string[] | null }[] | undefined>}
   */
  async schemaMigrations() {
    const names = await this.tableNames();
    if (!names.includes('schema_meta')) return undefined;
    const res = await this.query(`SELECT *\n  FROM schema_meta\n WHERE key = ${literal('schema_meta')};`);
    return /** @type {any} */ (res[0]?.rows ?? []);
  }

  /** connector.lua schema_bootstrap() l.778-838 + setup_locks() l.638-658. */
  async schemaBootstrap() {
    const schema = identifier(this.config.schema);
    await this.query([
      'BEGIN;',
      '  DO $$',
      '  BEGIN',
      `    CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION CURRENT_USER;`,
      `    GRANT ALL ON SCHEMA ${schema} TO CURRENT_USER;`,
      '  EXCEPTION WHEN insufficient_privilege THEN',
      '    -- Do nothing, perhaps the schema has been created already',
      '  END;',
      '  $$;',
      `  SET SCHEMA ${literal(this.config.schema)};`,
      'COMMIT;',
    ].join('\n'));
    await this.query(`
    CREATE TABLE IF NOT EXISTS schema_meta (
      key            TEXT,
      subsystem      TEXT,
      last_executed  TEXT,
      executed       TEXT[],
      pending        TEXT[],

      PRIMARY KEY (key, subsystem)
    );`);
    await this.query(`BEGIN;
  CREATE TABLE IF NOT EXISTS locks (
    key    TEXT PRIMARY KEY,
    owner  TEXT,
    ttl    TIMESTAMP WITH TIME ZONE
  );
  CREATE INDEX IF NOT EXISTS locks_ttl_idx ON locks (ttl);
COMMIT;`);
  }

  /** connector.lua reset_schema() l.151-184. */
  async schemaReset() {
    const tables = (await this.tableNames()).map(identifier);
    const dropTables = tables.length === 0 ? '' : `    DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE;\n`;
    const schema = identifier(this.config.schema);
    await this.query([
      'BEGIN;',
      '  DO $$',
      '  BEGIN',
      `    DROP SCHEMA IF EXISTS ${schema} CASCADE;`,
      `    CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION CURRENT_USER;`,
      `    GRANT ALL ON SCHEMA ${schema} TO CURRENT_USER;`,
      `  EXCEPTION WHEN insufficient_privilege THEN\n${dropTables}  END;`,
      '  $$;',
      `    SET SCHEMA ${literal(this.config.schema)};`,
      'COMMIT;',
    ].join('\n'));
  }

  /**
   * connector.lua insert_lock() l.661-693: true when our INSERT took the row.
   * @param {string} key @param {number} ttl seconds
   */
  async insertLock(key, ttl) {
    const expires = (Date.now() / 1000 + ttl).toFixed(3);
    const res = await this.query([
      'BEGIN;',
      '  DELETE FROM locks',
      "        WHERE ttl < CURRENT_TIMESTAMP AT TIME ZONE 'UTC';",
      '  INSERT INTO locks (key, owner, ttl)',
      `       VALUES (${literal(key)}, ${literal(this.owner)}, TO_TIMESTAMP(${literal(expires)}) AT TIME ZONE 'UTC')`,
      '  ON CONFLICT DO NOTHING;',
      'COMMIT;',
    ].join('\n'));
    if (res.length !== 4) throw new KongDbError('unexpected result');
    return res[2]?.rowCount === 1;
  }

  /** connector.lua read_lock() l.696-711: is a live lock held? @param {string} key */
  async readLock(key) {
    const res = await this.query(
      `SELECT *\n  FROM locks\n WHERE key = ${literal(key)}\n   AND ttl >= CURRENT_TIMESTAMP AT TIME ZONE 'UTC'\n LIMIT 1;`);
    return (res[0]?.rows.length ?? 0) > 0;
  }

  /** connector.lua remove_lock() l.714-728. @param {string} key */
  async removeLock(key) {
    await this.query(`DELETE\n  FROM "locks"\n WHERE "key"   = ${literal(key)}\n   AND "owner" = ${literal(this.owner)};`);
  }

  /**
   * connector.lua run_up_migration() l.850-883: the up SQL in one transaction, ROLLBACK on error.
   * @param {string} sql
   */
  async runUpMigration(sql) {
    let body = sql.trim();
    if (!body.endsWith(';')) body += ';';
    try {
      await this.query(`BEGIN;\n${body}\nCOMMIT;\n`);
    } catch (error) {
      await this.query('ROLLBACK;').catch(() => {});
      throw error;
    }
  }

  /**
   * connector.lua record_migration() l.885-945.
   * @param {string} subsystem @param {string} name @param {'executed'|'pending'|'teardown'} state
   */
  async recordMigration(subsystem, name, state) {
    const s = literal(subsystem);
    const n = literal(name);
    // pgmoon encode_array({name}) renders ARRAY['<name>'] (Derived; facts §3).
    const arr = `ARRAY[${n}]`;
    let sql;
    if (state === 'executed') {
      sql = `INSERT INTO schema_meta (key, subsystem, last_executed, executed)
     VALUES ('schema_meta', ${s}, ${n}, ${arr})
ON CONFLICT (key, subsystem) DO UPDATE
        SET last_executed = EXCLUDED.last_executed,
            executed = ARRAY_APPEND(COALESCE(schema_meta.executed, ARRAY[]::TEXT[]), ${n});`;
    } else if (state === 'pending') {
      sql = `INSERT INTO schema_meta (key, subsystem, pending)
     VALUES ('schema_meta', ${s}, ${arr})
ON CONFLICT (key, subsystem) DO UPDATE
        SET pending = ARRAY_APPEND(schema_meta.pending, ${n});`;
    } else {
      sql = `INSERT INTO schema_meta (key, subsystem, last_executed, executed)
     VALUES ('schema_meta', ${s}, ${n}, ${arr})
ON CONFLICT (key, subsystem) DO UPDATE
        SET last_executed = EXCLUDED.last_executed,
            executed = ARRAY_APPEND(COALESCE(schema_meta.executed, ARRAY[]::TEXT[]), ${n}),
            pending  = ARRAY_REMOVE(COALESCE(schema_meta.pending,  ARRAY[]::TEXT[]), ${n});`;
    }
    await this.query(sql);
  }

  /** The backend pid of our connection (fault injection). */
  async backendPid() {
    const res = await this.query('SELECT pg_backend_pid() AS pid;');
    return Number(res[0]?.rows[0]?.pid);
  }
}

/** AuthenticationSASL (pgmoon auth(): auth type 10 goes to scram_sha_256_auth). */
const SASL = 10;

/**
 * The first bytes a server sends after `first`, read on a raw socket (the protocol is small;
 * node-pg does not say which authentication the server asked for, nor whether it refused TLS).
 * @param {PgConfig} config @param {Buffer} first @param {number} want
 * @returns {Promise<Buffer>}
 */
function probe(config, first, want) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: config.host, port: config.port });
    /** @type {Buffer[]} */
    const chunks = [];
    let got = 0;
    const done = (/** @type {Error | undefined} */ error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    socket.setTimeout(config.timeout, () => done(new Error('timeout')));
    socket.on('error', done);
    socket.on('connect', () => socket.write(first));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= want) done(undefined);
    });
    socket.on('end', () => done(undefined));
  });
}

/** Does the server answer S to an SSLRequest (pgmoon send_ssl_message)? @param {PgConfig} config */
async function serverAcceptsTls(config) {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  const answer = await probe(config, request, 1).catch(() => Buffer.from('S'));
  return answer.toString('latin1', 0, 1) === 'S';
}

/** The authentication request the server sends `config.user` (R message: 10 SASL, 5 md5, 3 cleartext). @param {PgConfig} config */
async function authMethod(config) {
  const params = Buffer.from(`user\0${config.user}\0database\0${config.database}\0\0`, 'utf8');
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  params.copy(startup, 8);
  const answer = await probe(config, startup, 9).catch(() => Buffer.alloc(0));
  return answer.length >= 9 && answer.toString('latin1', 0, 1) === 'R' ? answer.readInt32BE(5) : undefined;
}

/** pgmoon escape_literal. @param {string} s */
export function literal(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

/** pgmoon escape_identifier. @param {string} s */
export function identifier(s) {
  return `"${String(s).replace(/"/g, '""')}"`;
}
