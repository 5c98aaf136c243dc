import { tryParseKongVersion, type KongVersion } from '../version/kong-version.js';

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
