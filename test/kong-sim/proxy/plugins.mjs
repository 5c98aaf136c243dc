// The plugin and log of Kong's proxy that the write freeze relies on: request-termination on a
// route in front of the Admin API (the API loopback) and the proxy access log, which tells what
// the freeze refused. Used by server.mjs.
import { appendFileSync } from 'node:fs';

/**
 * @typedef {object} TerminationPlugin
 * @property {string|null} route_id
 * @property {string|null} service_id
 * @property {string|null} consumer_id
 * @property {string[]|null} protocols
 * @property {{status_code?: number, message?: string|null, body?: string|null, content_type?: string|null, echo?: boolean, trigger?: string|null}} config
 */

/** kong/plugins/request-termination/handler.lua 3.4.2 (same in 2.8.5) DEFAULT_RESPONSE. */
const TERMINATION_DEFAULTS = { 401: 'Unauthorized', 404: 'Not found', 405: 'Method not allowed', 500: 'An unexpected error occurred', 502: 'Bad Gateway', 503: 'Service unavailable' };

/**
 * The request-termination plugin that applies to a request on `route`, answered as its handler
 * does (Kong/kong 3.4.2 kong/plugins/request-termination/handler.lua l.22-78): status_code
 * (default 503, schema.lua), `body` with `content_type`, else `{"message": message or the
 * status's default}` or no body; `trigger` makes it act only when that header or query argument
 * is present. Which instance applies: the most specific scope without a consumer, route+service,
 * route, service, then global (the plugins iterator's lookup order, kong/runloop/plugins_iterator.lua
 * 3.4.2 lookup_cfg; consumer-scoped instances need an authenticated consumer, never here). Only
 * instances whose protocols include http act on this plain-HTTP proxy. `echo` is not simulated.
 * @param {TerminationPlugin[]} plugins
 * @param {CompiledRoute} route
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @returns {{status: number, body: string|null, contentType: string} | null}
 */
export function requestTermination(plugins, route, req, url) {
  const applies = (p) => p.consumer_id === null && (p.protocols === null || p.protocols.includes('http'));
  const scopes = [
    (p) => p.route_id === route.id && p.service_id === route.service.id,
    (p) => p.route_id === route.id && p.service_id === null,
    (p) => p.route_id === null && p.service_id === route.service.id,
    (p) => p.route_id === null && p.service_id === null,
  ];
  let plugin;
  for (const scope of scopes) {
    plugin = plugins.find((p) => applies(p) && scope(p));
    if (plugin) break;
  }
  if (!plugin) return null;
  const config = plugin.config ?? {};
  const status = config.status_code ?? 503;
  if (config.trigger && req.headers[config.trigger.toLowerCase()] === undefined && !url.searchParams.has(config.trigger)) return null;
  if (config.echo) return { status: 500, body: JSON.stringify({ message: 'kong-sim: request-termination echo is not simulated' }), contentType: 'application/json; charset=utf-8' };
  if (config.body) return { status, body: config.body, contentType: config.content_type ?? 'application/json; charset=utf-8' };
  const message = config.message ?? TERMINATION_DEFAULTS[/** @type {keyof typeof TERMINATION_DEFAULTS} */ (status)];
  return { status, body: message === undefined ? null : JSON.stringify({ message }), contentType: 'application/json; charset=utf-8' };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Kong's proxy access log: `proxy_access_log = logs/access.log` (Kong/kong 3.4.2
 * kong/templates/kong_defaults.lua l.4) written by `access_log ${{PROXY_ACCESS_LOG}};`
 * (kong/templates/nginx_kong.lua l.75) without a format, so nginx's predefined `combined`:
 * `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer"
 * "$http_user_agent"` (nginx ngx_http_log_module). One line when the response is sent.
 * @param {string} file @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 */
export function logAccess(file, req, res) {
  let bytes = 0;
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  const count = (chunk) => {
    if (chunk && typeof chunk !== 'function') bytes += Buffer.byteLength(chunk);
  };
  res.write = /** @type {typeof res.write} */ ((chunk, ...rest) => (count(chunk), write(chunk, ...rest)));
  res.end = /** @type {typeof res.end} */ ((chunk, ...rest) => (count(chunk), end(chunk, ...rest)));
  res.on('finish', () => {
    appendFileSync(file, `${accessLogLine(req, res.statusCode, bytes, new Date())}\n`);
  });
}

/** One `combined` line. @param {import('node:http').IncomingMessage} req @param {number} status @param {number} bytes @param {Date} at */
export function accessLogLine(req, status, bytes, at) {
  const pad = (n) => String(n).padStart(2, '0');
  const offset = -at.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  const time = `${pad(at.getDate())}/${MONTHS[at.getMonth()]}/${at.getFullYear()}:${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} ${zone}`;
  const header = (name) => {
    const value = req.headers[name];
    return value === undefined ? '-' : String(value).replace(/["\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase()}`);
  };
  return `${req.socket.remoteAddress ?? '-'} - - [${time}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes} "${header('referer')}" "${header('user-agent')}"`;
}
