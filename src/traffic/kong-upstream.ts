import { stepError } from '../lib/errors.js';
import { createAdminClient, kongMessage, type AdminApiTarget } from '../kong/admin-api.js';
import { checkShare, shareFromWeights, sideWeights, type ApplyResult, type SplitState, type TrafficBackend } from './backend.js';

/**
 * A Kong in front of both clusters: one upstream whose targets are the blue and the green
 * cluster's proxies. Weights are target fields (0–65535, default 100:
 * kong/db/schema/entities/targets.lua), changed with PATCH /upstreams/{u}/targets/{host:port}
 * (targets are updatable since Kong 2.2.0, kong/db/dao/targets.lua). A change is a database
 * write that the front's balancers pick up through worker and cluster events; nothing reloads,
 * so no connection is dropped. How long other front nodes take to follow depends on
 * db_update_frequency (default 5 s); read-back here is from the Admin API (the database), not
 * from each node's balancer.
 */
export interface KongUpstreamOptions {
  readonly admin: AdminApiTarget;
  readonly upstream: string;
  readonly blueTargets: readonly string[];
  readonly greenTargets: readonly string[];
  readonly timeoutMs: number;
}

/** 100 × percent: 100% = 10000, well inside 0..65535, and fine-grained with several targets. */
const SCALE = 100;

interface Target {
  id: string;
  target: string;
  weight: number;
}

export function createKongUpstreamBackend(options: KongUpstreamOptions): TrafficBackend {
  const client = createAdminClient(options.admin, options.timeoutMs, 'Kong upstream');
  const ws = options.admin.workspace === undefined || options.admin.workspace === 'all' ? undefined : options.admin.workspace;
  const path = `${ws === undefined ? '' : `/${encodeURIComponent(ws)}`}/upstreams/${encodeURIComponent(options.upstream)}/targets`;
  const base = `${options.admin.url}${path}`;
  const all = [...options.blueTargets, ...options.greenTargets];

  async function targets(): Promise<Map<string, Target>> {
    const found = new Map<string, Target>();
    await client.forEachPage<Target>(`/upstreams/${encodeURIComponent(options.upstream)}/targets`, ws, (page) => {
      for (const t of page) found.set(t.target, t);
    });
    return found;
  }

  async function read(): Promise<SplitState> {
    const current = await targets();
    const weight = (t: string) => current.get(normaliseTarget(t))?.weight ?? 0;
    const missing = all.filter((t) => !current.has(normaliseTarget(t)));
    const detail = all.map((t) => `${normaliseTarget(t)}=${current.has(normaliseTarget(t)) ? weight(t) : 'absent'}`).join(' ');
    const share = shareFromWeights(options.blueTargets.map(weight), options.greenTargets.map(weight));
    if (share === undefined) return { kind: 'unknown', detail: `no target has weight > 0 in upstream ${options.upstream} (${detail})` };
    return { kind: 'split', green: share, detail: missing.length > 0 ? `${detail}; absent counts as 0` : detail };
  }

  function wanted(green: number): Map<string, number> {
    const w = sideWeights(green, options.blueTargets.length, options.greenTargets.length, SCALE);
    return new Map([...options.blueTargets.map((t) => [normaliseTarget(t), w.blue] as const), ...options.greenTargets.map((t) => [normaliseTarget(t), w.green] as const)]);
  }

  async function apply(green: number): Promise<ApplyResult> {
    checkShare(green);
    const current = await targets();
    const changes = [...wanted(green)].filter(([t, w]) => current.get(t)?.weight !== w);
    // Raise first, then lower: the upstream never has all targets at 0 ("failure to get a peer
    // from the ring-balancer", 503) in between.
    const rank = ([t, w]: readonly [string, number]) => (w > (current.get(t)?.weight ?? 0) ? 0 : 1);
    changes.sort((a, b) => rank(a) - rank(b));
    const actions: string[] = [];
    for (const [target, weight] of changes) {
      if (current.has(target)) {
        const response = await client.send('PATCH', `${path}/${encodeURIComponent(target)}`, { weight });
        if (response.status !== 200) throw stepError('Kong upstream', `PATCH ${base}/${target} weight ${weight} answered ${response.status}: ${kongMessage(response.body)}`);
        actions.push(`PATCH target ${target} weight=${weight}`);
      } else {
        const response = await client.send('POST', path, { target, weight });
        if (response.status !== 201) throw stepError('Kong upstream', `POST ${base} ${target} weight ${weight} answered ${response.status}: ${kongMessage(response.body)}`);
        actions.push(`POST target ${target} weight=${weight}`);
      }
    }
    const state = await read();
    if (state.kind !== 'split' || state.green !== green) throw stepError('Kong upstream', `after setting green to ${green}% the Admin API reports ${state.kind === 'split' ? `${state.green}%` : state.detail}`);
    return { green, actions };
  }

  return {
    kind: 'kong-upstream',
    supportsPartial: true,
    describe: () => `Kong upstream ${options.upstream} at ${options.admin.url} (blue ${options.blueTargets.join(', ')}; green ${options.greenTargets.join(', ')})`,
    read,
    apply,
    render: async (green) => [...wanted(green)].map(([t, w]) => `PATCH ${base}/${t} {"weight": ${w}}`).join('\n'),
  };
}

/** Kong stores targets as host:port, adding port 8000 when none is given (kong/db/dao/targets.lua). */
function normaliseTarget(target: string): string {
  return /:\d+$/.test(target) && !/^[0-9a-f:]+$/i.test(target) ? target : `${target}:8000`;
}
