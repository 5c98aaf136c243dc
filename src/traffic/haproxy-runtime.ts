import { connect, isIP } from 'node:net';
import { stepError } from '../lib/errors.js';

/**
 * Where a HAProxy runtime API listens: a unix socket on this machine (`stats socket /run/haproxy/
 * admin.sock level admin`) or a TCP address on a load balancer elsewhere (`stats socket
 * ipv4@10.0.0.5:9999 level admin`), written `tcp://10.0.0.5:9999`. Over TCP the API has no
 * authentication of its own: whoever reaches the port has the socket's level, so it belongs on a
 * management address only the runner reaches.
 */
export type RuntimeEndpoint = { readonly kind: 'unix'; readonly path: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** The endpoint, or why `text` is not one. */
export function parseRuntimeEndpoint(text: string): RuntimeEndpoint | { readonly problem: string } {
  const allowed = 'expected an absolute unix socket path (/run/haproxy/admin.sock) or tcp://host:port (tcp://10.0.0.5:9999)';
  if (/[\u0000-\u001f\u007f]/.test(text)) return { problem: `holds a control character; ${allowed}` };
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const tcp = /^tcp:\/\/(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  if (tcp === null) return { problem: `${JSON.stringify(text)}: ${allowed}` };
  const host = tcp[1] ?? tcp[2]!;
  const port = Number(tcp[3]);
  if (tcp[1] !== undefined && isIP(host) !== 6) return { problem: `${JSON.stringify(text)}: [${host}] is not an IPv6 address` };
  if (port < 1 || port > 65535) return { problem: `${JSON.stringify(text)}: port ${port} is not 1..65535` };
  return { kind: 'tcp', host, port };
}

export function describeEndpoint(endpoint: RuntimeEndpoint): string {
  if (endpoint.kind === 'unix') return endpoint.path;
  return `tcp://${isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
}

/**
 * One runtime API exchange: the command line (several commands separated by `;`), then HAProxy
 * answers and closes (non-interactive mode), over either transport alike.
 */
export function runtimeCommand(endpoint: RuntimeEndpoint, line: string, timeoutMs: number): Promise<string> {
  const where = describeEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const connection = endpoint.kind === 'unix' ? connect(endpoint.path) : connect({ host: endpoint.host, port: endpoint.port });
    let answer = '';
    connection.setEncoding('utf8');
    connection.setTimeout(timeoutMs, () => connection.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    connection.on('connect', () => connection.write(`${line}\n`));
    connection.on('data', (chunk: string) => (answer += chunk));
    connection.on('error', (error: NodeJS.ErrnoException) => reject(stepError('haproxy', `runtime API at ${where}: ${error.code === 'ETIMEDOUT' ? error.message : (error.code ?? error.message)}`, error)));
    connection.on('close', (hadError) => {
      if (!hadError) resolve(answer);
    });
  });
}
