// Load through the front during a whole promotion: undici's Pool (keep-alive connections, one
// request in flight on each), every outcome counted — 2xx, non-2xx, 5xx, transport errors by
// kind (src/lib/http.ts transportErrorKind) — and who answered (X-Kong-Sim-Cluster), per second.
import { Pool } from 'undici';
import { transportErrorKind, type TransportErrorKind } from '../../src/lib/http.js';

export interface LoadCounts {
  requests: number;
  ok2xx: number;
  non2xx: number;
  status5xx: number;
  transport: Record<TransportErrorKind, number>;
  transportCodes: Record<string, number>;
  byCluster: Record<string, number>;
  /** 5xx answers per cluster. */
  fiveXxByCluster: Record<string, number>;
  /** Timestamps (performance.now) of each 5xx, to bound them against the detection window. */
  fiveXxTimes: number[];
  durationMs: number;
}

export interface RunningLoad {
  /** Counts so far (live object). */
  readonly counts: LoadCounts;
  /** Stops issuing, waits for in-flight requests, closes the pool. */
  stop(): Promise<LoadCounts>;
}

export function transportTotal(c: LoadCounts): number {
  return Object.values(c.transport).reduce((a, b) => a + b, 0);
}

export function startLoad(origin: string, options: { connections: number; path: string; maxRequests: number; maxMs: number }): RunningLoad {
  const pool = new Pool(origin, { connections: options.connections, pipelining: 1, connectTimeout: 5000, headersTimeout: 5000, bodyTimeout: 5000 });
  const counts: LoadCounts = {
    requests: 0, ok2xx: 0, non2xx: 0, status5xx: 0,
    transport: { refused: 0, reset: 0, timeout: 0, other: 0 }, transportCodes: {},
    byCluster: {}, fiveXxByCluster: {}, fiveXxTimes: [], durationMs: 0,
  };
  const started = performance.now();
  const deadline = started + options.maxMs;
  let stopping = false;
  const worker = async () => {
    while (!stopping && counts.requests < options.maxRequests && performance.now() < deadline) {
      counts.requests++;
      try {
        const response = await pool.request({ method: 'GET', path: options.path, signal: AbortSignal.timeout(5000) });
        await response.body.dump();
        const cluster = String(response.headers['x-kong-sim-cluster'] ?? 'none');
        counts.byCluster[cluster] = (counts.byCluster[cluster] ?? 0) + 1;
        if (response.statusCode >= 200 && response.statusCode < 300) counts.ok2xx++;
        else counts.non2xx++;
        if (response.statusCode >= 500) {
          counts.status5xx++;
          counts.fiveXxByCluster[cluster] = (counts.fiveXxByCluster[cluster] ?? 0) + 1;
          counts.fiveXxTimes.push(performance.now());
        }
      } catch (error) {
        const kind = transportErrorKind(error);
        counts.transport[kind]++;
        const code = (error as { code?: string }).code ?? (error as Error).name;
        counts.transportCodes[code] = (counts.transportCodes[code] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  const workers = Promise.all(Array.from({ length: options.connections }, worker));
  return {
    counts,
    async stop() {
      stopping = true;
      await workers;
      counts.durationMs = Math.round(performance.now() - started);
      await pool.close();
      return counts;
    },
  };
}

export function describeLoad(label: string, c: LoadCounts): string {
  const t = c.transport;
  return `${label}: ${c.requests} requests in ${(c.durationMs / 1000).toFixed(1)}s (${Math.round(c.requests / (c.durationMs / 1000))}/s), 2xx ${c.ok2xx}, non-2xx ${c.non2xx}, 5xx ${c.status5xx}, transport errors ${transportTotal(c)} (refused ${t.refused}, reset ${t.reset}, timeout ${t.timeout}, other ${t.other}${Object.keys(c.transportCodes).length ? `: ${JSON.stringify(c.transportCodes)}` : ''}), by cluster ${JSON.stringify(c.byCluster)}`;
}
