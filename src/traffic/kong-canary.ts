import { stepError } from '../lib/errors.js';
import { createAdminClient, kongMessage, type AdminApiTarget } from '../kong/admin-api.js';
import { checkShare, type ApplyResult, type SplitState, type TrafficBackend } from './backend.js';

/**
 * The runbook's own idea: on the blue cluster, the Enterprise `canary` plugin on a few chosen
 * (low-priority) services sends a percentage of their requests to the green cluster's proxy.
 * Only those services move; everything else stays on blue until the real switch (DNS or a load
 * balancer), so this backend suits a first look at green under real traffic, not the full move.
 *
 * UNVERIFIED (no Kong Enterprise here, and the suite's facts do not cover the plugin): the config
 * field names and meaning (`percentage` 0–100 fixed share instead of the time-based
 * start/duration/steps; `upstream_host`, `upstream_port`; `hash: none` for a per-request rather
 * than per-consumer split), and how fast a PATCH reaches every blue node (plugin config travels by
 * cluster events, db_update_frequency). The plugin instances this action creates carry the tag
 * `kong-upgrade-promote` and are the only ones it changes or deletes.
 */
export interface KongCanaryOptions {
  /** The blue cluster's Admin API (the canary plugin runs on blue). */
  readonly admin: AdminApiTarget;
  readonly services: readonly string[];
  /** The green cluster's proxy, as the plugin's upstream_host / upstream_port. */
  readonly greenHost: string;
  readonly greenPort: number;
  /** `none` (per request), `consumer`, `ip`, … (plugin's config.hash). */
  readonly hash: string;
  readonly timeoutMs: number;
}

export const CANARY_TAG = 'kong-upgrade-promote';

interface Plugin {
  id: string;
  name: string;
  tags: string[] | null;
  config: { percentage?: number | null };
}

export function createKongCanaryBackend(options: KongCanaryOptions): TrafficBackend {
  const client = createAdminClient(options.admin, options.timeoutMs, 'Kong canary plugin');
  const ws = options.admin.workspace === undefined || options.admin.workspace === 'all' ? undefined : options.admin.workspace;
  const servicePlugins = (service: string) => `/services/${encodeURIComponent(service)}/plugins`;
  const inWorkspace = (path: string) => `${ws === undefined ? '' : `/${encodeURIComponent(ws)}`}${path}`;

  async function ours(service: string): Promise<Plugin | undefined> {
    const plugins = await client.listAll<Plugin>(servicePlugins(service), ws);
    return plugins.find((p) => p.name === 'canary' && (p.tags ?? []).includes(CANARY_TAG));
  }

  async function read(): Promise<SplitState> {
    const shares = await Promise.all(options.services.map(async (s) => [s, (await ours(s))?.config.percentage ?? 0] as const));
    const detail = shares.map(([s, p]) => `${s}=${p}%`).join(' ');
    const distinct = new Set(shares.map(([, p]) => p));
    if (distinct.size !== 1) return { kind: 'unknown', detail: `the services disagree: ${detail}` };
    return { kind: 'split', green: shares[0]?.[1] ?? 0, detail };
  }

  async function apply(green: number): Promise<ApplyResult> {
    checkShare(green);
    const actions: string[] = [];
    for (const service of options.services) {
      const plugin = await ours(service);
      if (green === 0) {
        if (plugin === undefined) continue;
        const response = await client.send('DELETE', inWorkspace(`${servicePlugins(service)}/${encodeURIComponent(plugin.id)}`));
        if (response.status !== 204 && response.status !== 404) throw stepError('Kong canary plugin', `DELETE canary on ${service} answered ${response.status}`);
        actions.push(`DELETE canary plugin on service ${service}`);
      } else if (plugin === undefined) {
        const body = { name: 'canary', tags: [CANARY_TAG], config: { percentage: green, upstream_host: options.greenHost, upstream_port: options.greenPort, hash: options.hash } };
        const response = await client.send('POST', inWorkspace(servicePlugins(service)), body);
        if (response.status !== 201) throw stepError('Kong canary plugin', `POST canary on ${service} answered ${response.status}: ${kongMessage(response.body)}`);
        actions.push(`POST canary plugin on service ${service} percentage=${green}`);
      } else if (plugin.config.percentage !== green) {
        const response = await client.send('PATCH', inWorkspace(`${servicePlugins(service)}/${encodeURIComponent(plugin.id)}`), { config: { percentage: green } });
        if (response.status !== 200) throw stepError('Kong canary plugin', `PATCH canary on ${service} answered ${response.status}: ${kongMessage(response.body)}`);
        actions.push(`PATCH canary plugin on service ${service} percentage=${green}`);
      }
    }
    const state = await read();
    if (state.kind !== 'split' || state.green !== green) throw stepError('Kong canary plugin', `after setting ${green}% the Admin API reports ${state.kind === 'split' ? `${state.green}%` : state.detail}`);
    return { green, actions };
  }

  return {
    kind: 'kong-canary',
    supportsPartial: true,
    describe: () => `Kong canary plugin on ${options.services.join(', ')} at ${options.admin.url} → green ${options.greenHost}:${options.greenPort}`,
    read,
    apply,
    render: async (green) =>
      options.services
        .map((s) => (green === 0 ? `DELETE the ${CANARY_TAG} canary plugin on service ${s}` : `canary plugin on service ${s}: config.percentage=${green}, upstream ${options.greenHost}:${options.greenPort}, hash ${options.hash}`))
        .join('\n'),
  };
}
