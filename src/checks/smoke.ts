import { createAdminClient, type AdminApiTarget } from '../kong/admin-api.js';
import { rootDatabase, rootEdition, rootRole, rootVersion } from '../kong/admin-root.js';
import type { EntityCounts } from '../kong/entities.js';
import { errorMessage } from '../lib/errors.js';
import { details, escapeCell, fitToLimit, table } from '../lib/markdown.js';
import { formatKongVersion, type KongVersion } from '../version/kong-version.js';
import {
  checkDatabase,
  checkDataPlanes,
  checkPlugins,
  checkReady,
  checkVersion,
  hasReadyEndpoint,
  waitForAdmin,
  type Log,
} from './admin.js';
import { compareCounts, inventoryCheck, takeInventory } from './inventory.js';
import { evaluateLoad, measure, summary, type LoadBudgets, type LoadPlan, type Measurement } from './load.js';
import { runProxyChecks, type ProxyRequestSpec } from './proxy.js';
import {
  CHECK_GROUPS,
  fail,
  SMOKE_REPORT_SCHEMA,
  type CheckGroup,
  type CheckResult,
  type CountDifference,
  type SmokeReport,
} from './report.js';

/**
 * The smoke test of one Kong node, as a library: the smoke-test action calls it, and promote
 * calls it in-process before moving traffic. Each check fails when its condition does not hold;
 * nothing here passes by default.
 */
export interface SmokeOptions {
  readonly admin: AdminApiTarget;
  /** Base URL of the Status API listener (status_listen), for /status/ready. */
  readonly statusUrl: string | undefined;
  readonly expectedVersion: KongVersion | undefined;
  readonly expectedPlugins: readonly string[];
  readonly waitTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** 'auto': check data planes when GET / says role control_plane; 'off': never. */
  readonly hybrid: { readonly mode: 'auto' | 'off'; readonly maxAgeMs: number; readonly minDataPlanes: number };
  readonly inventory: { readonly enabled: boolean; readonly concurrency: number; readonly baseline: { source: string; counts: EntityCounts } | undefined };
  readonly proxyUrl: string | undefined;
  readonly proxyRequests: readonly ProxyRequestSpec[];
  readonly load: { readonly plan: LoadPlan; readonly budgets: LoadBudgets; readonly blueProxyUrl: string | undefined } | undefined;
}

export async function runSmokeTest(options: SmokeOptions, log: Log = () => {}): Promise<SmokeReport> {
  const startedAt = new Date().toISOString();
  const checks: CheckResult[] = [];
  const record = (result: CheckResult) => {
    checks.push(result);
    log(`${result.status === 'pass' ? 'PASS' : result.status === 'fail' ? 'FAIL' : 'INCONCLUSIVE'} ${result.name}: ${result.details}`);
  };
  const client = createAdminClient(options.admin, options.requestTimeoutMs);

  log(`Waiting up to ${options.waitTimeoutMs / 1000}s for the Admin API at ${options.admin.url}`);
  const reach = await waitForAdmin(client, options.waitTimeoutMs, log);
  record(reach.check);
  const root = reach.root;
  const version = root === undefined ? undefined : rootVersion(root);
  const role = root === undefined ? undefined : rootRole(root);
  let counts: EntityCounts | undefined;
  let differences: CountDifference[] = [];

  if (root === undefined) {
    log('Admin API not reachable: the Admin API, hybrid and inventory checks are not run');
    // With its database down Kong answers GET / with 500 (it reads the plugins in use from the
    // database, kong/api/routes/kong.lua) while /status still answers: record that diagnosis.
    const database = await checkDatabase(client);
    if (database.status === 'fail' && database.measured !== null) {
      record(database);
      if (options.statusUrl !== undefined) record(await checkReady(options.statusUrl, options.requestTimeoutMs));
    }
  } else {
    if (options.expectedVersion !== undefined) record(checkVersion(root, options.expectedVersion));
    record(await checkDatabase(client));
    if (options.statusUrl !== undefined) {
      if (version !== undefined && !hasReadyEndpoint(version)) {
        log(`Kong ${formatKongVersion(version)} has no /status/ready (added in 3.3.0): readiness not checked`);
      } else {
        record(await checkReady(options.statusUrl, options.requestTimeoutMs));
      }
    }
    if (options.expectedPlugins.length > 0) record(checkPlugins(root, options.expectedPlugins));

    if (options.hybrid.mode === 'auto' && role === 'control_plane') {
      if (version === undefined) {
        record(fail({ name: 'hybrid-data-planes', group: 'hybrid', measured: null, threshold: null, details: 'control plane version unreadable: cannot compare data planes with it' }));
      } else {
        for (const result of await checkDataPlanes(client, version, options.hybrid)) record(result);
      }
    }

    if (options.inventory.enabled && role !== 'data_plane') {
      const started = performance.now();
      try {
        const edition = rootEdition(root);
        const inventory = await takeInventory(client, {
          workspace: options.admin.workspace,
          enterprise: edition === 'enterprise',
          concurrency: options.inventory.concurrency,
          log,
        });
        counts = inventory.counts;
        log(`Inventory: ${inventory.requests} Admin API request(s) in ${((performance.now() - started) / 1000).toFixed(1)}s`);
        const baseline = options.inventory.baseline;
        if (baseline !== undefined) {
          const scope = options.admin.workspace === 'all' ? 'all' : [options.admin.workspace ?? 'default'];
          differences = compareCounts(baseline.counts, inventory.counts, scope);
        }
        record(inventoryCheck(inventory, baseline, differences));
      } catch (error) {
        record(fail({ name: 'inventory-counts', group: 'inventory', measured: null, threshold: null, details: `counting entities failed: ${errorMessage(error)}` }));
      }
    }
  }

  if (options.proxyUrl !== undefined && options.proxyRequests.length > 0) {
    for (const result of await runProxyChecks(options.proxyUrl, options.proxyRequests, options.requestTimeoutMs)) record(result);
  }

  let latency: SmokeReport['latency'];
  if (options.load !== undefined && options.proxyUrl !== undefined) {
    const { plan, budgets, blueProxyUrl } = options.load;
    const amount = plan.amount.kind === 'requests' ? `${plan.amount.total} requests` : `${plan.amount.ms / 1000}s`;
    let blue: Measurement | undefined;
    if (blueProxyUrl !== undefined) {
      log(`Measuring blue ${blueProxyUrl}: ${amount} at concurrency ${plan.concurrency}`);
      blue = await measure(blueProxyUrl, plan);
      log(describeMeasurement('blue', blue));
    }
    log(`Measuring ${options.proxyUrl}: ${amount} at concurrency ${plan.concurrency}`);
    const green = await measure(options.proxyUrl, plan);
    log(describeMeasurement('green', green));
    for (const result of evaluateLoad(green, blue, budgets)) record(result);
    latency = { green: summary(green), blue: blue === undefined ? undefined : summary(blue) };
  }

  return {
    schema: SMOKE_REPORT_SCHEMA,
    target: {
      adminUrl: options.admin.url,
      statusUrl: options.statusUrl,
      proxyUrl: options.proxyUrl,
      blueProxyUrl: options.load?.blueProxyUrl,
      workspace: options.admin.workspace,
    },
    kongVersion: typeof root?.version === 'string' ? root.version : undefined,
    edition: root === undefined ? undefined : rootEdition(root),
    role,
    database: root === undefined ? undefined : rootDatabase(root),
    passed: checks.length > 0 && checks.every((check) => check.status === 'pass'),
    startedAt,
    finishedAt: new Date().toISOString(),
    checks,
    counts,
    baseline: options.inventory.baseline,
    differences,
    latency,
  };
}

function describeMeasurement(label: string, m: Measurement): string {
  const t = m.transportErrors;
  return `${label}: ${m.attempts} attempts in ${(m.durationMs / 1000).toFixed(1)}s (${m.requestsPerSecond}/s), p50 ${m.p50Ms ?? '-'} ms, p95 ${m.p95Ms ?? '-'} ms, p99 ${m.p99Ms ?? '-'} ms, 5xx ${m.status5xx}, refused ${t.refused}, reset ${t.reset}, timed out ${t.timeout}, other ${t.other}`;
}

const GROUP_TITLES: Record<CheckGroup, string> = {
  admin: 'Admin API',
  hybrid: 'Hybrid mode',
  inventory: 'Entity inventory',
  proxy: 'Proxy',
  latency: 'Latency and errors',
};

const ORDER = { fail: 0, inconclusive: 1, pass: 2 } as const;
const ICON = { fail: '❌ fail', inconclusive: '⚠️ inconclusive', pass: '✅ pass' } as const;

/** The job summary: one table per check group, groups and rows with failures first. */
export function renderSmokeMarkdown(report: SmokeReport, limitBytes: number): string {
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const unsure = report.checks.filter((c) => c.status === 'inconclusive').length;
  const head = [
    `## Kong smoke test: ${report.passed ? '✅ passed' : '❌ not passed'}`,
    '',
    `Admin API ${report.target.adminUrl}${report.kongVersion === undefined ? '' : ` · Kong ${report.kongVersion}`}${report.edition === undefined ? '' : ` (${report.edition})`}${report.role === undefined ? '' : ` · role ${report.role}`}${report.target.proxyUrl === undefined ? '' : ` · proxy ${report.target.proxyUrl}`}`,
    '',
    `${report.checks.length} check(s): ${report.checks.length - failed - unsure} passed, ${failed} failed, ${unsure} inconclusive.`,
  ].join('\n');
  const groups = CHECK_GROUPS.map((group) => report.checks.filter((c) => c.group === group))
    .filter((list) => list.length > 0)
    .sort((a, b) => worst(a) - worst(b));
  const sections = [head];
  for (const list of groups) {
    const rows = [...list].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
    const evidence = rows.filter((c) => c.evidence !== undefined && c.status !== 'pass').map((c) => details(escapeCell(c.name), c.evidence!));
    sections.push(
      [
        `### ${GROUP_TITLES[list[0]!.group]}`,
        '',
        table(
          ['check', 'status', 'measured', 'threshold', 'details'],
          rows.map((c) => [c.name, ICON[c.status], show(c.measured), show(c.threshold), c.details]),
        ),
        ...evidence.map((e) => `\n${e}`),
      ].join('\n'),
    );
  }
  if (report.latency !== undefined) {
    const line = (label: string, m: NonNullable<SmokeReport['latency']>['green']) => [
      label,
      String(m.attempts),
      String(m.samples),
      m.p50Ms === undefined ? '-' : `${m.p50Ms} ms`,
      m.p95Ms === undefined ? '-' : `${m.p95Ms} ms`,
      m.p99Ms === undefined ? '-' : `${m.p99Ms} ms`,
      String(m.status5xx),
      `${m.transportErrors.refused}/${m.transportErrors.reset}/${m.transportErrors.timeout}/${m.transportErrors.other}`,
      `${m.requestsPerSecond}`,
    ];
    const rows = [line(`green ${report.latency.green.target}`, report.latency.green)];
    if (report.latency.blue !== undefined) rows.push(line(`blue ${report.latency.blue.target}`, report.latency.blue));
    sections.push(['#### Measurements', '', table(['target', 'attempts', 'samples', 'p50', 'p95', 'p99', '5xx', 'refused/reset/timeout/other', 'req/s'], rows)].join('\n'));
  }
  return fitToLimit(sections, limitBytes, '_Summary cut to fit the runner limit; the full report is in report-json._');
}

function worst(list: readonly CheckResult[]): number {
  return Math.min(...list.map((c) => ORDER[c.status]));
}

function show(value: CheckResult['measured']): string {
  if (value === null) return '-';
  if (Array.isArray(value)) return value.join(', ') || '-';
  return String(value);
}
