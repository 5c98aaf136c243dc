import { inputError } from '../lib/errors.js';
import { quoteRemote } from '../lib/log-text.js';
import { ACCEPTED_VERSION_FORMS, tryParseKongVersion, type KongVersion } from '../version/kong-version.js';
import { kongMessage, type AdminClient } from './admin-api.js';

/**
 * `GET /` of Kong's Admin API (kong/api/routes/kong.lua): the node's version, edition, plugins
 * and configuration. Every field is checked before use: a node of another version, or something
 * that is not Kong, answers other shapes.
 */

/** The parts of `GET /` the suite reads. */
export interface KongRoot {
  readonly version?: unknown;
  readonly edition?: unknown;
  readonly plugins?: { readonly available_on_server?: unknown };
  readonly configuration?: { readonly role?: unknown; readonly database?: unknown; readonly pg_host?: unknown; readonly pg_port?: unknown; readonly pg_database?: unknown };
}

/** The PostgreSQL database a node serves, as its `configuration` says. */
export interface ServedDatabase {
  readonly host: string;
  readonly port: number;
  /** Undefined when the node does not report pg_database. */
  readonly database: string | undefined;
}

/** The node's version as reported, parsed; undefined when absent or not a Kong version. */
export function rootVersion(root: KongRoot): KongVersion | undefined {
  return typeof root.version === 'string' ? tryParseKongVersion(root.version) : undefined;
}

/** `edition` of GET / (3.6+: "enterprise" or "community"); before 3.6, inferred from the form. */
export function rootEdition(root: KongRoot): string | undefined {
  if (typeof root.edition === 'string') return root.edition;
  const version = rootVersion(root);
  if (version === undefined) return undefined;
  return version.build === undefined ? undefined : 'enterprise';
}

/** The PostgreSQL database a node serves, as its `configuration` says; undefined when another store or unsaid. */
export function rootDatabase(root: KongRoot): ServedDatabase | undefined {
  const conf = root.configuration;
  if (conf?.database !== 'postgres' || typeof conf.pg_host !== 'string') return undefined;
  const port = Number(conf.pg_port ?? 5432);
  if (!Number.isInteger(port)) return undefined;
  return { host: conf.pg_host, port, database: typeof conf.pg_database === 'string' ? conf.pg_database : undefined };
}

export function rootRole(root: KongRoot): string | undefined {
  const role = root.configuration?.role;
  return typeof role === 'string' ? role : undefined;
}

/**
 * The names in `plugins.available_on_server`: an object of `true` in 2.8, an object of
 * `{version, priority}` from 3.0 (#8810); 2.8's docs show an array, so accept that too
 * (Kong/kong 3.4.2 kong/api/routes/kong.lua l.116).
 */
export function availablePlugins(root: KongRoot): string[] | undefined {
  const available = root.plugins?.available_on_server;
  if (Array.isArray(available)) return available.filter((name): name is string => typeof name === 'string');
  if (available !== null && typeof available === 'object') {
    return Object.entries(available as Record<string, unknown>)
      .filter(([, value]) => value !== false && value !== null && value !== undefined)
      .map(([name]) => name);
  }
  return undefined;
}

/** Kong's proxy answers every unmatched request so (Kong/kong 3.4.2 kong/runloop/handler.lua l.1151). */
const PROXY_NOT_FOUND = 'no Route matched with those values';

/**
 * What a non-200 answer of the Admin API says about the URL or the token, for the user: 401/403
 * is RBAC refusing the token (Enterprise: "Invalid credentials. Token or User credentials
 * required"); 404 with the proxy's message is admin-url pointing at proxy_listen. Empty otherwise.
 */
export function adminAnswerHint(status: number, body: string): string {
  if (status === 401 || status === 403) return ': check admin-token (sent as Kong-Admin-Token) and its RBAC role';
  if (status === 404 && kongMessage(body) === quoteRemote(PROXY_NOT_FOUND)) {
    return ": that is Kong's proxy (proxy_listen) answering, not its Admin API: give admin_listen's address (8001 or 8444 by default)";
  }
  return '';
}

/** Whether an answer can never become the Admin API's by waiting: a refused token, the proxy. */
export function isFinalAnswer(status: number, body: string): boolean {
  return adminAnswerHint(status, body) !== '';
}

/**
 * The version a running node reports in GET /, as written there (`3.4.2`, Enterprise
 * `3.4.3.5`, `2.8.1.1-enterprise-edition`). Anything that is not a Kong Admin API answering a
 * version this suite reads is an error naming admin-url and what came back.
 */
export async function runningVersion(client: AdminClient): Promise<string> {
  const url = `${client.target.url}/`;
  const response = await client.get('/');
  if (response.status !== 200) {
    throw inputError('admin-url', `GET ${url} answered ${response.status}: ${kongMessage(response.body)}${adminAnswerHint(response.status, response.body)}`);
  }
  let root: unknown;
  try {
    root = JSON.parse(response.body);
  } catch {
    throw inputError('admin-url', `GET ${url} did not answer JSON (${quoteRemote(response.body, 80)}); is it a Kong Admin API?`);
  }
  const version = root !== null && typeof root === 'object' ? (root as KongRoot).version : undefined;
  if (typeof version !== 'string') throw inputError('admin-url', `GET ${url} did not report a version; is it a Kong Admin API?`);
  if (tryParseKongVersion(version) === undefined) {
    throw inputError('admin-url', `GET ${url} reports version ${quoteRemote(version)}, which is not a Kong version this suite reads (${ACCEPTED_VERSION_FORMS})`);
  }
  return version;
}
