import path from 'node:path';
import { stepError } from '../lib/errors.js';
import { quoteRemote } from '../lib/log-text.js';
import { checkShare, shareFromWeights, sideWeights, type ApplyResult, type FrontCounts, type SplitState, type TrafficBackend } from './backend.js';
import { localShell, type HostShell } from './host-shell.js';

/**
 * nginx in front of both clusters. nginx has no runtime weight API (open source), so the split
 * lives in an include file inside the `upstream { }` block that this backend owns: it rewrites
 * the file, runs `nginx -t`, then `nginx -s reload` (graceful: new workers take new connections,
 * old ones finish in-flight requests). The previous file is kept beside it (`.previous`) and put
 * back whenever the test or the reload fails, so an invalid config is never left in place and
 * never loaded. One reload per step, no more: each reload makes the old workers close their idle
 * keep-alive connections (ngx_close_idle_connections() on the quit signal), and a client that
 * sends on one at that moment sees a reset. nginx 1.27.4's keepalive_min_timeout, clients that
 * retry such a GET, or no keep-alive give 0 (README, bench/promote.mjs nginx-ssh).
 */
export interface NginxOptions {
  /** Where nginx runs: this machine, or a host over SSH; every path below is on that host. */
  readonly shell?: HostShell;
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

/**
 * One step on the nginx host, as one command (one SSH round trip): the new include file from
 * stdin written beside the old one and renamed over it (the old kept as `.previous`), `nginx -t`,
 * `nginx -s reload`, then, with a pid file, a wait until none of the old workers is left; the
 * previous file is put back when the test or the reload fails. Prints the file as it ends.
 * Arguments: file, nginx binary, config, prefix ('' for none), pid file ('' for none), wait ms,
 * and `write` or `reload` (the file as it is: test and reload only).
 * Exit codes: 10 file not written, 20 nginx -t failed, 30 reload failed, 40 workers not replaced.
 */
const APPLY_SCRIPT = `
f=$1 bin=$2 conf=$3 prefix=$4 pidfile=$5 wait=$6 mode=$7
run_nginx() { if [ -n "$prefix" ]; then "$bin" "$@" -p "$prefix" -c "$conf"; else "$bin" "$@" -c "$conf"; fi; }
workers() { m=; [ -n "$pidfile" ] && read -r m < "$pidfile" 2>/dev/null && [ -n "$m" ] && cat "/proc/$m/task/$m/children" 2>/dev/null; }
tmp="$(dirname -- "$f")/.$(basename -- "$f").promote-$$"
restore() { [ "$mode" = reload ] || { cp -p -- "$f.previous" "$tmp" && mv -f -- "$tmp" "$f"; }; }
if [ "$mode" = write ]; then
  { cat > "$tmp" && cp -p -- "$f" "$f.previous" && mv -f -- "$tmp" "$f"; } || { rm -f -- "$tmp"; exit 10; }
fi
out=$(run_nginx -t -q 2>&1) || { restore; printf '%s' "$out" >&2; exit 20; }
before=$(workers)
out=$(run_nginx -s reload 2>&1) || { restore; printf '%s' "$out" >&2; exit 30; }
if [ -n "$pidfile" ]; then
  n=0
  while :; do
    now=$(workers) old=
    for p in $before; do case " $(echo $now) " in *" $p "*) old="$old $p";; esac; done
    [ -n "$now" ] && [ -z "$old" ] && break
    n=$((n + 1))
    if [ $((n * 20)) -gt "$wait" ]; then printf 'old workers still running:%s' "$old" >&2; exit 40; fi
    sleep 0.02
  done
fi
cat -- "$f"
`;

/**
 * The access log's bytes from an offset: prints the file's size on the first line, then the
 * bytes from the offset up to that size (from 0 when the file shrank: rotated). A missing log
 * reads as empty. Arguments: file, offset ('' for the size alone).
 */
const TAIL_SCRIPT = `
f=$1 o=$2
[ -e "$f" ] || { echo 0; exit 0; }
s=$(wc -c < "$f") || exit 1
s=$((s))
[ -z "$o" ] && { echo "$s"; exit 0; }
[ "$s" -lt "$o" ] && o=0
echo "$s"
[ "$s" -gt "$o" ] && tail -c +"$((o + 1))" -- "$f" | head -c "$((s - o))"
exit 0
`;

export function createNginxBackend(options: NginxOptions): TrafficBackend {
  const shell = options.shell ?? localShell;
  const all = [...options.blueServers, ...options.greenServers];
  const where = shell.remote ? ` on ${shell.name}` : '';
  const file = options.upstreamFile;
  const timeoutMs = options.reloadTimeoutMs + 30_000;

  function parseFileState(text: string): { weights: Map<string, number> | undefined; problem: string } {
    const servers = parseUpstreamServers(text);
    const missing = all.filter((address) => !servers.has(address));
    if (missing.length > 0) return { weights: undefined, problem: `${file}${where} has no server line for ${missing.join(', ')}` };
    return { weights: servers, problem: '' };
  }

  async function readFileState(): Promise<{ text: string; weights: Map<string, number> | undefined; problem: string }> {
    const result = await shell.run(['cat', '--', file], { timeoutMs });
    if (result.exitCode !== 0) return { text: '', weights: undefined, problem: `cannot read ${file}${where}: ${quoteRemote(result.stderr.trim(), 300)}` };
    return { text: result.stdout, ...parseFileState(result.stdout) };
  }

  function stateOf(weights: Map<string, number> | undefined, problem: string): SplitState {
    if (weights === undefined) return { kind: 'unknown', detail: problem };
    const detail = all.map((a) => `${a}=${weights.get(a) === 0 ? 'down' : `weight ${weights.get(a)}`}`).join(' ');
    const share = shareFromWeights(options.blueServers.map((a) => weights.get(a) ?? 0), options.greenServers.map((a) => weights.get(a) ?? 0));
    return share === undefined ? { kind: 'unknown', detail: `every server is down (${detail})` } : { kind: 'split', green: share, detail };
  }

  async function read(): Promise<SplitState> {
    const state = await readFileState();
    return stateOf(state.weights, state.problem);
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

  async function apply(green: number): Promise<ApplyResult> {
    checkShare(green);
    const before = await readFileState();
    if (before.weights === undefined && before.text === '') throw stepError('nginx', before.problem);
    const next = renderFile(green);
    let after = before.text;
    const actions: string[] = [];
    // A revert does not trust a file that already sends green nothing: nginx may not have loaded
    // it (edited without a reload, a run killed between the write and the reload). It is kept as
    // it is, and tested and reloaded all the same.
    const weights = before.weights;
    const blueAlready = green === 0 && weights !== undefined && options.greenServers.every((a) => weights.get(a) === 0) && options.blueServers.some((a) => (weights.get(a) ?? 0) > 0);
    if (next !== before.text || blueAlready) {
      const mode = blueAlready ? 'reload' : 'write';
      const args = [file, options.binary, options.configFile, options.prefix ?? '', options.pidFile ?? '', String(options.reloadTimeoutMs), mode];
      const result = await shell.run(['sh', '-c', APPLY_SCRIPT, 'promote-nginx', ...args], { stdin: mode === 'write' ? next : '', timeoutMs });
      const output = result.stderr.trim().slice(0, 600);
      const name = path.basename(file);
      const back = mode === 'write' ? `the previous ${name} is back` : `${name} is as it was`;
      switch (result.exitCode) {
        case 0:
          break;
        case 20:
          throw stepError('nginx', `nginx -t${where} rejected the config with green at ${green}% (${back}, nothing was reloaded): ${output}`);
        case 30:
          throw stepError('nginx', `nginx -s reload${where} failed (${back}): ${output}`);
        case 40:
          throw stepError('nginx', `the reload${where} did not replace the workers within ${options.reloadTimeoutMs} ms (${output})`);
        default:
          throw stepError('nginx', `could not write ${file}${where} (exit ${result.exitCode}${result.signal === undefined ? '' : `, ${result.signal}`}): ${output}`);
      }
      after = result.stdout;
      actions.push(...(mode === 'write' ? [`wrote ${file}${where} (previous kept as ${name}.previous)`] : [`${file}${where} already sends green nothing`]), 'nginx -t', 'nginx -s reload');
    }
    const parsed = parseFileState(after);
    const state = stateOf(parsed.weights, parsed.problem);
    if (state.kind !== 'split' || state.green !== green) throw stepError('nginx', `after the reload ${file}${where} reads ${state.kind === 'split' ? `${state.green}%` : state.detail}, not ${green}%`);
    return { green, actions };
  }

  async function frontCounter(): Promise<(() => Promise<FrontCounts>) | undefined> {
    const log = options.accessLog;
    if (log === undefined) return undefined;
    const tail = async (offset: number | undefined) => {
      const result = await shell.run(['sh', '-c', TAIL_SCRIPT, 'promote-nginx-log', log, offset === undefined ? '' : String(offset)], { timeoutMs });
      if (result.exitCode !== 0) throw stepError('nginx', `cannot read the access log ${log}${where}: ${quoteRemote(result.stderr.trim(), 300)}`);
      const newline = result.stdout.indexOf('\n');
      return { size: Number(result.stdout.slice(0, newline)), chunk: result.stdout.slice(newline + 1) };
    };
    let offset = (await tail(undefined)).size;
    let pending = '';
    return async () => {
      const { size, chunk } = await tail(offset);
      if (size < offset) pending = ''; // rotated
      offset = size;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      const counts = countGreen(lines, options.greenServers);
      return { ...counts, source: `nginx access log ${log}${where}` };
    };
  }

  return {
    kind: 'nginx',
    supportsPartial: true,
    describe: () => `nginx${where} ${options.configFile} upstream file ${file} (blue ${options.blueServers.join(', ')}; green ${options.greenServers.join(', ')})`,
    read,
    apply,
    render: async (green) => `${file}${where}:\n${renderFile(green)}then: nginx -t, nginx -s reload`,
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
