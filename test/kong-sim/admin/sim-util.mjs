// Helpers shared by the simulated Admin API, status listener and proxy: versions, fault injection and
// listeners that can be closed ("refuse connections") and reopened on the same port.
import http from 'node:http';

/**
 * @typedef {object} Faults
 * @property {string} [version]       report this version instead of the node's (GET /, Server header)
 * @property {number} [latencyMs]     delay every response by this many milliseconds
 * @property {number} [errorRate]     share (0..1) of requests answered with `errorStatus`
 * @property {number} [errorStatus]   status for injected errors (default 500 admin, 503 proxy)
 * @property {boolean} [refuse]       close the listener: connections are refused (ECONNREFUSED)
 * @property {boolean} [dbUnreachable] behave as if PostgreSQL could not be reached
 * @property {number} [seed]          seed of the PRNG deciding which requests fail (reproducible shares)
 */

/** Parses "3.4.2", "3.4.2.0" (EE), "2.8.5" into numbers; extra components are ignored. */
export function parseVersion(version) {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(String(version));
  if (!m) throw new Error(`kong-sim: not a Kong version: ${version}`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** True when `version` >= `min` ("3.3" or "3.3.0"). */
export function atLeast(version, min) {
  const a = parseVersion(version);
  const b = parseVersion(min);
  if (a.major !== b.major) return a.major > b.major;
  if (a.minor !== b.minor) return a.minor > b.minor;
  return a.patch >= b.patch;
}

/** mulberry32: a tiny seeded PRNG so an error share is reproducible from run to run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mutable fault state with a PRNG. `set()` merges (use `undefined`/0/false to clear a fault).
 * @param {Faults} [initial]
 */
export function createFaultState(initial = {}) {
  /** @type {Faults} */
  let faults = { ...initial };
  let random = prng(faults.seed ?? 0x4b6f6e67);
  return {
    get: () => ({ ...faults }),
    /** @param {Faults} patch */
    set(patch) {
      faults = { ...faults, ...patch };
      if (patch.seed !== undefined) random = prng(patch.seed);
    },
    shouldFail: () => (faults.errorRate ?? 0) > 0 && random() < (faults.errorRate ?? 0),
    latency: () => faults.latencyMs ?? 0,
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An HTTP server on 127.0.0.1 (loopback only: tests must not expose anything) that can stop accepting
 * connections and resume on the same port, plus nginx-like connection counters for GET /status.
 * @param {(req: http.IncomingMessage, res: http.ServerResponse) => void} handler
 */
export async function startListener(handler, { port = 0 } = {}) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 5000;
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const stats = { accepted: 0, handled: 0, requests: 0 };
  server.on('connection', (socket) => {
    stats.accepted++;
    stats.handled++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', () => stats.requests++);
  await listen(server, port);
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  let listening = true;
  return {
    server,
    port: address.port,
    stats,
    sockets,
    get listening() {
      return listening;
    },
    /** Stops accepting and drops open connections: clients see ECONNREFUSED / ECONNRESET. */
    async refuse() {
      if (!listening) return;
      listening = false;
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    /** Listens again on the same port. */
    async resume() {
      if (listening) return;
      await listen(server, address.port);
      listening = true;
    },
    async close() {
      if (!listening) return;
      await this.refuse();
    },
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

/** Reads a request body (bounded: the simulator is for tests, 10 MB is plenty). */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 10 * 1024 * 1024) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
