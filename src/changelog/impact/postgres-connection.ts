import { compareKongVersions, parseKongVersion } from '../../version/kong-version.js';
import { serverNumber } from './postgres-version.js';
import { settingWhere } from './kong-conf-where.js';
import type { Impact, ImpactRule } from './types.js';

const ON = new Set(['on', 'true']);

/**
 * `pg_ssl = on` does not require TLS: Kong hands pg_ssl and pg_ssl_verify to pgmoon and never
 * its `ssl_required` (Kong/kong 3.4.2 kong/db/strategies/postgres/connector.lua, `_M.new`; no
 * pg_ssl_required in kong_defaults.lua at 2.8.5, 3.4.2 or 3.9.3), and pgmoon's
 * send_ssl_message carries on in plaintext when the server answers "N" to the SSLRequest. Seen
 * on Kong 2.8.5 built here: pg_ssl = on and pg_ssl_verify = on against a server without TLS
 * connect and work. A new database server (a restore, a dual cluster) can lose TLS unnoticed.
 */
export const pgSslPlaintextFallback: ImpactRule = {
  id: 'pg-ssl-plaintext-fallback',
  check(context) {
    const conf = context.kongConf;
    const ssl = conf?.settings.get('pg_ssl');
    if (!conf || !ssl || !ON.has(ssl.value.toLowerCase())) return [];
    const verify = ON.has(conf.settings.get('pg_ssl_verify')?.value.toLowerCase() ?? '');
    return [
      {
        rule: 'pg-ssl-plaintext-fallback',
        severity: 'warning',
        title: '`pg_ssl = on` falls back to plaintext when the database server refuses TLS',
        detail: `Kong asks PostgreSQL for TLS but continues unencrypted if the server declines${verify ? ', and `pg_ssl_verify = on` then checks nothing' : ''}; Kong has no setting that requires TLS. A server rebuilt or restored for the upgrade without TLS would carry Kong's traffic, and its password, in clear.`,
        where: settingWhere(conf, ssl),
        remedy: 'Enforce TLS on the server side for the kong role (a `hostssl` line and no `host` line in pg_hba.conf), and check `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()` from a Kong node after the upgrade.',
      },
    ];
  },
};

const SCRAM_CAPABLE = parseKongVersion('2.7.0');
const SCRAM_DEFAULT_FROM = 14;

/**
 * Kong before 2.7.0 ships pgmoon without SCRAM-SHA-256 (2.6.0's rockspec pins pgmoon 1.12.0,
 * 2.7.0's 1.13.0); real Kong 2.3.3 against a SCRAM server stops with "Error: don't know how to
 * auth: 10" (test/fixtures/observed/kong-2.3.3-bootstrap.txt). PostgreSQL 14 made
 * scram-sha-256 the default password_encryption.
 */
export const postgresScramAuth: ImpactRule = {
  id: 'postgres-scram-auth',
  check(context) {
    if (compareKongVersions(context.from, SCRAM_CAPABLE) >= 0) return [];
    if (context.kongConf?.settings.get('database')?.value.toLowerCase() === 'off') return [];
    const server = context.postgres === undefined ? undefined : serverNumber(context.postgres.serverVersion);
    if (server !== undefined && server < SCRAM_DEFAULT_FROM) return [];
    const seen = server === undefined ? 'If the database server is PostgreSQL 14 or later (or becomes one during the upgrade), ' : `The server is PostgreSQL ${server}: `;
    const finding: Impact = {
      rule: 'postgres-scram-auth',
      severity: 'warning',
      title: 'Kong below 2.7 cannot log in with a SCRAM password (PostgreSQL 14+ default)',
      detail: `${seen}passwords are hashed with SCRAM-SHA-256 by default, and Kong before 2.7.0 only speaks MD5 and cleartext: it stops with "Error: don't know how to auth: 10". The current nodes work only while the kong role's password is stored as MD5.`,
      where: 'database',
      remedy: 'Until every node (and every `kong migrations` run) is on 2.7 or later, keep the kong role\'s password MD5-hashed (`SET password_encryption = \'md5\'` before setting it) on every server Kong uses, including restored copies; re-hash it with SCRAM after the upgrade.',
    };
    return [finding];
  },
};
