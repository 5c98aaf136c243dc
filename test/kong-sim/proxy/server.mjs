// Simulated Kong proxy: routes requests by the routes table of a real PostgreSQL database (Kong's
// tables, test/kong-sim/db/schema.mjs) to the service's upstream and forwards them to a real HTTP
// upstream. Faithful to Kong's traditional router where it matters to smoke tests and promote:
//   - paths: 3.x treats a path as a regex only with the `~` prefix (kong/router/traditional.lua
//     3.4.2 l.425 `is_regex = sub(path, 1, 1) == "~"`); 2.x guesses: a path made only of
//     [a-zA-Z0-9.\-_~/%] is a prefix, anything else a regex, and `~` is accepted too
//     (kong/router.lua 2.8.5 l.497-510);
//   - regexes are anchored at the start and followed by (?<uri_postfix>.*) (strip_regex, same files);
//   - ordering: categories by the number of attribute kinds set, then by category bit (host >
//     header > uri > method); inside one, sort_routes (submatch weight: regex first; headers count;
//     regex_priority for regex routes; longest path; oldest created_at) — kong/router.lua 2.8.5
//     l.780-815. Kong 3.x's default flavor traditional_compatible (kong/templates/kong_defaults.lua)
//     emulates this order;
//   - strip_path / service.path joining: get_upstream_uri_v0 (kong/router/utils.lua 3.4.2 l.139-200);
//   - hosts: exact or wildcard (`*.example.com`, `example.*`), compared without the port;
//   - one plugin, request-termination (the write freeze puts it on a route in front of the Admin
//     API), and the proxy access log: plugins.mjs.
// Not simulated: snis/sources/destinations, path_handling v1, https redirect, other plugins.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { KONG_BODIES } from '../admin/server.mjs';
import { logAccess, requestTermination } from './plugins.mjs';
import { atLeast, createFaultState, parseVersion, sleep, startListener } from '../admin/sim-util.mjs';

const MATCH_RULES = { HOST: 0x40, HEADER: 0x20, URI: 0x10, METHOD: 0x08 }; // kong/router.lua 2.8.5 MATCH_RULES
const MATCH_SUBRULES = { HAS_REGEX_URI: 0x01, PLAIN_HOSTS_ONLY: 0x02, HAS_WILDCARD_HOST_PORT: 0x04 };

/**
 * @typedef {object} ProxyOptions
 * @property {string | import('pg').PoolConfig} [pg]  the database routes are read from (traditional nodes)
 * @property {() => {routes: Record<string, any>[], upstreams: Record<string, any>[], plugins?: import('./plugins.mjs').TerminationPlugin[]}} [source]
 *           instead of pg: the configuration a DB-less node or data plane holds in memory
 * @property {string} version            Kong version (selects the path-regex rule and error format)
 * @property {string} [cluster]          value of the X-Kong-Sim-Cluster response header (e.g. blue)
 * @property {'community'|'enterprise'} [edition] default community (Server/Via of Enterprise 2.x)
 * @property {number} [reloadIntervalMs] re-read routes from the DB this often (default 1000; 0 = never)
 * @property {import('../admin/sim-util.mjs').Faults} [faults]
 * @property {number} [upstreamTimeoutMs] default 60000 (services.read_timeout wins when set)
 * @property {string} [accessLog]        append one line per request here, as Kong's proxy_access_log
 * @property {number} [port]             listen on this port (a node replaced at the same address); default a free one
 */

/**
 * @param {ProxyOptions} options
 */
export async function startProxy(options) {
  const version = options.version;
  parseVersion(version);
  const faults = createFaultState(options.faults);
  const poolConfig = typeof options.pg === 'string' ? { connectionString: options.pg } : { ...options.pg };
  const pool = options.source ? undefined : new pg.Pool({ ...poolConfig, max: 2, connectionTimeoutMillis: 1500, idleTimeoutMillis: 2000 });
  pool?.on('error', () => {});
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  /** @type {CompiledRoute[]} */
  let router = [];
  /** @type {Map<string, {targets: {target: string, weight: number}[], rr: number[]}>} */
  let upstreams = new Map();
  /** @type {import('./plugins.mjs').TerminationPlugin[]} */
  let terminations = [];
  let lastError = /** @type {Error|null} */ (null);

  const read = async () => {
    if (options.source) {
      const { routes, upstreams, plugins } = options.source();
      return [{ rows: routes }, { rows: upstreams }, { rows: plugins ?? [] }];
    }
    if (!pool || faults.get().dbUnreachable) throw new Error('database unreachable (simulated)');
    return Promise.all([
      pool.query(`SELECT r.id, r.name, r.created_at, r.protocols, r.methods, r.hosts, r.paths, r.headers,
                         r.regex_priority, r.strip_path, r.preserve_host,
                         s.protocol AS s_protocol, s.host AS s_host, s.port AS s_port, s.path AS s_path,
                         s.read_timeout AS s_read_timeout, s.name AS s_name, s.id AS s_id
                    FROM routes r JOIN services s ON s.id = r.service_id
                   WHERE COALESCE(s.enabled, true)`),
      pool.query(`SELECT u.name, t.target, t.weight FROM upstreams u JOIN targets t ON t.upstream_id = u.id
                   ORDER BY u.name, t.created_at, t.id`).catch(() => ({ rows: [] })),
      pool.query(`SELECT route_id, service_id, consumer_id, protocols, config FROM plugins
                   WHERE name = 'request-termination' AND enabled`).catch(() => ({ rows: [] })),
    ]);
  };

  const reload = async () => {
    const [routes, ups, plugins] = await read();
    router = buildRouter(routes.rows, version);
    terminations = plugins.rows;
    const next = new Map();
    for (const r of ups.rows) {
      if (!next.has(r.name)) next.set(r.name, { targets: [], rr: [] });
      next.get(r.name).targets.push({ target: r.target, weight: r.weight });
    }
    for (const u of next.values()) u.rr = u.targets.map(() => 0);
    upstreams = next;
    lastError = null;
  };

  await reload().catch((error) => {
    lastError = error;
  });
  const interval = options.reloadIntervalMs ?? 1000;
  const timer = interval > 0 ? setInterval(() => reload().catch((error) => { lastError = error; }), interval) : null;
  timer?.unref();

  /** meta._SERVER_TOKENS: kong/<version>, with Enterprise 1.x/2.x's "-enterprise-edition" (kong/meta.lua). */
  const serverTokens = () => {
    const v = faults.get().version ?? version;
    return `kong/${options.edition === 'enterprise' && !atLeast(v, '3.0.0') ? `${v}-enterprise-edition` : v}`;
  };
  const simHeaders = () => (options.cluster ? { 'X-Kong-Sim-Cluster': options.cluster } : {});
  /**
   * kong/runloop/handler.lua header_filter "after" (2.8.5 l.1609-1640, 3.4.2 l.1483-1514): a
   * proxied response keeps the upstream's Server (the template's proxy_pass_header Server) and
   * its Content-Type, and gets Via plus the upstream and proxy latencies; a response Kong makes
   * itself gets Server and X-Kong-Response-Latency, no Via. Observed on Kong 2.8.5 built here
   * (test/fixtures/observed/kong-2.8.5-admin-proxy.txt). 3.9's "1.1 kong/x" Via is not modelled.
   */
  const proxiedHeaders = () => ({ Via: serverTokens(), ...simHeaders() });
  const kongHeaders = () => ({ Server: serverTokens(), ...simHeaders() });

  /** Kong's error body: cjson {message} in 2.x; the JSON error template from 3.x (kong/tools/utils.lua
   * 3.4.2 l.1433), with request_id from 3.6.0 (kong/tools/http.lua 3.6.0 l.397-401). */
  const errorBody = (message) => {
    if (!atLeast(version, '3.0.0')) return JSON.stringify({ message });
    if (!atLeast(version, '3.6.0')) return `{\n  "message":"${message}"\n}`;
    return `{\n  "message":"${message}",\n  "request_id":"${randomBytes(16).toString('hex')}"\n}`;
  };

  const sendError = (res, status, message, started) => {
    const body = errorBody(message);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Kong-Response-Latency': String(Date.now() - started),
      ...kongHeaders(),
    });
    res.end(body);
  };

  const listener = await startListener(async (req, res) => {
    const started = Date.now();
    if (options.accessLog) logAccess(options.accessLog, req, res);
    try {
      const latency = faults.latency();
      if (latency > 0) await sleep(latency);
      if (faults.shouldFail()) {
        const status = faults.get().errorStatus ?? 502;
        req.resume();
        sendError(res, status, KONG_BODIES[/** @type {keyof typeof KONG_BODIES} */ (status)] ?? `The upstream server responded with ${status}`, started);
        return;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const match = findRoute(router, {
        method: req.method ?? 'GET',
        path: url.pathname,
        host: String(req.headers.host ?? ''),
        headers: req.headers,
      });
      if (!match) {
        req.resume();
        // kong/runloop/handler.lua (2.8.5 l.1298 exit, 3.4.2 l.1151 kong.response.error).
        sendError(res, 404, 'no Route matched with those values', started);
        return;
      }
      const { route, uriPostfix } = match;
      const terminate = requestTermination(terminations, route, req, url);
      if (terminate) {
        req.resume();
        const body = terminate.body ?? '';
        res.writeHead(terminate.status, {
          ...(body === '' ? {} : { 'Content-Type': terminate.contentType, 'Content-Length': Buffer.byteLength(body) }),
          'X-Kong-Response-Latency': String(Date.now() - started),
          ...kongHeaders(),
        });
        res.end(body);
        return;
      }
      const base = route.service.path ?? '/';
      const upstreamUri = upstreamUriV0(route.stripPath, uriPostfix, url.pathname, base) + url.search;
      let host = route.service.host;
      let port = route.service.port;
      const balancer = upstreams.get(host);
      if (balancer) {
        const picked = pickTarget(balancer);
        if (!picked) {
          req.resume();
          // kong/runloop/balancer/init.lua 3.4.2 l.354.
          sendError(res, 503, 'failure to get a peer from the ring-balancer', started);
          return;
        }
        const idx = picked.lastIndexOf(':');
        host = idx > 0 ? picked.slice(0, idx) : picked;
        port = idx > 0 ? Number(picked.slice(idx + 1)) : 8000;
      }
      const reqHeaders = { ...req.headers };
      const clientHost = String(req.headers.host ?? '');
      reqHeaders.host = route.preserveHost ? clientHost : (port === 80 || port === 443 ? host : `${host}:${port}`);
      reqHeaders['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
      reqHeaders['x-forwarded-proto'] = 'http';
      reqHeaders['x-forwarded-host'] = clientHost.replace(/:\d+$/, '');
      reqHeaders['x-forwarded-port'] = String(listener.port);
      reqHeaders['x-forwarded-path'] = url.pathname;
      reqHeaders['x-real-ip'] = req.socket.remoteAddress ?? '127.0.0.1';
      const upstreamStarted = Date.now();
      const proxied = http.request({
        host, port, method: req.method, path: upstreamUri, headers: reqHeaders, agent,
        timeout: route.service.readTimeout ?? options.upstreamTimeoutMs ?? 60000,
      }, (up) => {
        const out = { ...up.headers, ...proxiedHeaders() };
        out['x-kong-upstream-latency'] = String(Date.now() - upstreamStarted);
        out['x-kong-proxy-latency'] = String(upstreamStarted - started);
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      });
      proxied.on('timeout', () => {
        proxied.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }));
      });
      proxied.on('error', (error) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const code = /** @type {{code?: string}} */ (error).code;
        // Connection refused/reset → 502, timeout → 504 (kong/error_handlers.lua BODIES).
        if (code === 'ETIMEDOUT') sendError(res, 504, KONG_BODIES[504], started);
        else sendError(res, 502, KONG_BODIES[502], started);
      });
      req.pipe(proxied);
    } catch {
      if (!res.headersSent) sendError(res, 500, KONG_BODIES[500], started);
    }
  }, { port: options.port ?? 0 });

  const applyRefuse = async () => {
    if (faults.get().refuse) await listener.refuse();
    else await listener.resume();
  };
  if (options.faults?.refuse) await applyRefuse();

  return {
    url: `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    /** Re-reads routes, services, upstreams and targets now. */
    reload,
    /** Last reload error (e.g. the DB is down), or null. */
    lastError: () => lastError,
    routes: () => router.map((r) => ({ id: r.id, name: r.name })),
    control: {
      faults: () => faults.get(),
      /** @param {import('../admin/sim-util.mjs').Faults} patch */
      async setFaults(patch) {
        faults.set(patch);
        if ('refuse' in patch) await applyRefuse();
      },
    },
    async stop() {
      if (timer) clearInterval(timer);
      await listener.close();
      agent.destroy();
      await pool?.end().catch(() => {});
    },
  };
}

/**
 * @typedef {object} CompiledRoute
 * @property {string} id
 * @property {string|null} name
 * @property {number} createdAt
 * @property {Set<string>|null} methods
 * @property {{plain: Set<string>, wildcards: RegExp[]}|null} hosts
 * @property {{prefix?: string, regex?: RegExp}[]|null} uris
 * @property {[string, string[]][]} headers
 * @property {number} regexPriority
 * @property {boolean} stripPath
 * @property {boolean} preserveHost
 * @property {number} matchWeight
 * @property {number} categoryBit
 * @property {number} submatchWeight
 * @property {number} maxUriLength
 * @property {{id: string, protocol: string, host: string, port: number, path: string|null, readTimeout: number|null}} service
 */

/**
 * Compiles route rows into Kong's evaluation order.
 * @param {Record<string, any>[]} rows
 * @param {string} version
 * @returns {CompiledRoute[]}
 */
export function buildRouter(rows, version) {
  const v3 = atLeast(version, '3.0.0');
  /** @type {CompiledRoute[]} */
  const compiled = [];
  for (const r of rows) {
    let categoryBit = 0;
    let submatchWeight = 0;
    let maxUriLength = 0;
    /** @type {CompiledRoute['hosts']} */
    let hosts = null;
    if (Array.isArray(r.hosts) && r.hosts.length > 0) {
      categoryBit |= MATCH_RULES.HOST;
      hosts = { plain: new Set(), wildcards: [] };
      let wildcard = false;
      for (const h of r.hosts) {
        if (h.includes('*')) {
          wildcard = true;
          const re = h.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '.+');
          hosts.wildcards.push(new RegExp(`^${re}$`));
        } else {
          hosts.plain.add(h.toLowerCase());
        }
      }
      if (!wildcard) submatchWeight |= MATCH_SUBRULES.PLAIN_HOSTS_ONLY;
    }
    /** @type {[string, string[]][]} */
    const headers = [];
    if (r.headers && typeof r.headers === 'object' && Object.keys(r.headers).length > 0) {
      categoryBit |= MATCH_RULES.HEADER;
      for (const [name, values] of Object.entries(r.headers)) {
        headers.push([name.toLowerCase(), (Array.isArray(values) ? values : [values]).map((x) => String(x).toLowerCase())]);
      }
    }
    /** @type {CompiledRoute['uris']} */
    let uris = null;
    let invalid = false;
    if (Array.isArray(r.paths) && r.paths.length > 0) {
      categoryBit |= MATCH_RULES.URI;
      uris = [];
      for (const path of r.paths) {
        let isRegex;
        let body = path;
        if (path.startsWith('~')) {
          isRegex = true;
          body = path.slice(1);
        } else if (v3) {
          isRegex = false;
        } else {
          // 2.8.5 kong/router.lua l.510: re_find(path, [[[a-zA-Z0-9\.\-_~/%]*$]], "ajo") → prefix.
          isRegex = !/^[a-zA-Z0-9.\-_~/%]*$/.test(path);
        }
        if (isRegex) {
          try {
            // strip_regex = path .. "(?<uri_postfix>.*)", matched with the "a" (anchored) flag.
            uris.push({ regex: new RegExp(`^(?:${body})(?<uri_postfix>.*)$`, 's') });
          } catch {
            invalid = true; // Kong's schema rejects invalid regexes; such a row cannot exist.
          }
          submatchWeight |= MATCH_SUBRULES.HAS_REGEX_URI;
        } else {
          uris.push({ prefix: body });
          maxUriLength = Math.max(maxUriLength, body.length);
        }
      }
      // sort_uris: longest prefix first inside a route.
      uris.sort((a, b) => (b.prefix?.length ?? 0) - (a.prefix?.length ?? 0));
    }
    if (invalid) continue;
    /** @type {Set<string>|null} */
    let methods = null;
    if (Array.isArray(r.methods) && r.methods.length > 0) {
      categoryBit |= MATCH_RULES.METHOD;
      methods = new Set(r.methods.map((m) => String(m).toUpperCase()));
    }
    let matchWeight = 0;
    for (let bits = categoryBit; bits; bits &= bits - 1) matchWeight++;
    compiled.push({
      id: r.id,
      name: r.name ?? null,
      createdAt: r.created_at instanceof Date ? r.created_at.getTime() : 0,
      methods,
      hosts,
      uris,
      headers,
      regexPriority: Number(r.regex_priority ?? 0),
      stripPath: r.strip_path ?? true,
      preserveHost: r.preserve_host ?? false,
      matchWeight,
      categoryBit,
      submatchWeight,
      maxUriLength,
      service: {
        id: r.s_id,
        protocol: r.s_protocol ?? 'http',
        host: r.s_host,
        port: Number(r.s_port ?? 80),
        path: r.s_path ?? null,
        readTimeout: r.s_read_timeout == null ? null : Number(r.s_read_timeout),
      },
    });
  }
  compiled.sort((a, b) => {
    // sort_categories: match_weight, then category_bit.
    if (a.matchWeight !== b.matchWeight) return b.matchWeight - a.matchWeight;
    if (a.categoryBit !== b.categoryBit) return b.categoryBit - a.categoryBit;
    // sort_routes.
    if (a.submatchWeight !== b.submatchWeight) return b.submatchWeight - a.submatchWeight;
    if (a.headers.length !== b.headers.length) return b.headers.length - a.headers.length;
    if (a.submatchWeight & MATCH_SUBRULES.HAS_REGEX_URI && a.regexPriority !== b.regexPriority) return b.regexPriority - a.regexPriority;
    if (a.maxUriLength !== b.maxUriLength) return b.maxUriLength - a.maxUriLength;
    return a.createdAt - b.createdAt;
  });
  return compiled;
}

/**
 * First route (in Kong's order) whose every set attribute matches.
 * @param {CompiledRoute[]} router
 * @param {{method: string, path: string, host: string, headers: Record<string, string|string[]|undefined>}} req
 */
export function findRoute(router, req) {
  const host = req.host.toLowerCase().replace(/:\d+$/, '');
  for (const route of router) {
    if (route.methods && !route.methods.has(req.method.toUpperCase())) continue;
    if (route.hosts && !route.hosts.plain.has(host) && !route.hosts.plain.has(req.host.toLowerCase())
        && !route.hosts.wildcards.some((re) => re.test(host))) continue;
    if (route.headers.length > 0 && !route.headers.every(([name, values]) => {
      const got = req.headers[name];
      const list = (Array.isArray(got) ? got : got === undefined ? [] : [got]).map((x) => x.toLowerCase());
      return list.some((x) => values.includes(x));
    })) continue;
    let uriPostfix = '';
    if (route.uris) {
      let matched = false;
      for (const uri of route.uris) {
        if (uri.regex) {
          const m = uri.regex.exec(req.path);
          if (m) {
            matched = true;
            uriPostfix = m.groups?.uri_postfix ?? '';
            break;
          }
        } else if (uri.prefix !== undefined && req.path.startsWith(uri.prefix)) {
          matched = true;
          uriPostfix = req.path.slice(uri.prefix.length);
          break;
        }
      }
      if (!matched) continue;
    } else {
      uriPostfix = req.path;
    }
    return { route, uriPostfix };
  }
  return null;
}

/**
 * kong/router/utils.lua get_upstream_uri_v0 (3.4.2 l.139-200), path_handling "v0" (the default).
 * @param {boolean} stripPath @param {string} postfix @param {string} reqUri @param {string} base
 */
export function upstreamUriV0(stripPath, postfix, reqUri, base) {
  if (base.endsWith('/')) {
    if (stripPath) {
      if (postfix === '') {
        if (base === '/') return '/';
        return reqUri.endsWith('/') ? base : base.slice(0, -1);
      }
      if (postfix.startsWith('/')) return base.slice(0, -1) + postfix;
      return base + postfix;
    }
    return base + reqUri.slice(1);
  }
  if (stripPath) {
    if (postfix === '') return reqUri.length > 1 && reqUri.endsWith('/') ? `${base}/` : base;
    if (postfix.startsWith('/')) return base + postfix;
    return `${base}/${postfix}`;
  }
  return reqUri === '/' ? base : base + reqUri;
}

/** Smooth weighted round robin over targets with weight > 0 (Kong's default algorithm is round-robin). */
function pickTarget(balancer) {
  let total = 0;
  let best = -1;
  for (let i = 0; i < balancer.targets.length; i++) {
    const w = balancer.targets[i].weight;
    if (w <= 0) continue;
    total += w;
    balancer.rr[i] += w;
    if (best < 0 || balancer.rr[i] > balancer.rr[best]) best = i;
  }
  if (best < 0) return null;
  balancer.rr[best] -= total;
  return balancer.targets[best].target;
}
