import { describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/lib/errors.js';
import { formatKongVersion, parseKongVersion } from '../../src/version/kong-version.js';
import { planUpgradePath, type PlanOptions, type UpgradeHop } from '../../src/version/upgrade-path.js';

const OSS: PlanOptions = { edition: 'oss', deployment: 'traditional' };
const EE: PlanOptions = { edition: 'enterprise', deployment: 'traditional' };

function plan(from: string, to: string, options: PlanOptions = OSS): readonly UpgradeHop[] {
  return planUpgradePath(parseKongVersion(from), parseKongVersion(to), options);
}

/** "from→to rule" per hop, to compare whole paths at a glance. */
function steps(hops: readonly UpgradeHop[]): string[] {
  return hops.map((hop) => `${formatKongVersion(hop.from)}→${formatKongVersion(hop.to)} ${hop.rule}`);
}

function refusal(run: () => unknown): UpgradeError {
  try {
    run();
  } catch (error) {
    if (error instanceof UpgradeError) return error;
    throw error;
  }
  throw new Error('expected an UpgradeError');
}

describe('planUpgradePath: rules', () => {
  it('patch releases of one line: one hop', () => {
    expect(steps(plan('3.4.0', '3.4.2'))).toEqual(['3.4.0→3.4.2 patch']);
  });

  it('OSS 2.8.4 → 3.4.2 is one LTS hop', () => {
    expect(steps(plan('2.8.4', '3.4.2'))).toEqual(['2.8.4→3.4.2 lts-to-lts']);
  });

  it('Enterprise 2.8.4.0 → 3.10.0.2 is two LTS hops through the latest 3.4 Enterprise', () => {
    expect(steps(plan('2.8.4.0', '3.10.0.2', EE))).toEqual(['2.8.4.0→3.4.3.29 lts-to-lts', '3.4.3.29→3.10.0.2 lts-to-lts']);
  });

  it('3.5.0 → 3.9.3 walks each minor, stopping at the latest OSS patch', () => {
    expect(steps(plan('3.5.0', '3.9.3'))).toEqual([
      '3.5.0→3.6.1 adjacent-minor',
      '3.6.1→3.7.1 adjacent-minor',
      '3.7.1→3.8.1 adjacent-minor',
      '3.8.1→3.9.3 adjacent-minor',
    ]);
  });

  it('takes an LTS jump where it is shorter', () => {
    expect(steps(plan('3.3.0.0', '3.10.0.2', EE))).toEqual(['3.3.0.0→3.4.3.29 adjacent-minor', '3.4.3.29→3.10.0.2 lts-to-lts']);
    expect(steps(plan('3.8.1.0', '3.14.0.1', EE))).toEqual([
      '3.8.1.0→3.9.1.2 adjacent-minor',
      '3.9.1.2→3.10.0.17 adjacent-minor',
      '3.10.0.17→3.14.0.1 lts-to-lts',
    ]);
  });

  it('2.1.x or later goes straight to 2.8, and 2.x reaches 3.0–3.3 through 2.8', () => {
    expect(steps(plan('2.1.0', '2.8.5'))).toEqual(['2.1.0→2.8.5 to-2.8']);
    expect(steps(plan('2.5.0', '3.2.2'))).toEqual([
      '2.5.0→2.8.5 to-2.8',
      '2.8.5→3.0.2 major-2-to-3',
      '3.0.2→3.1.1 adjacent-minor',
      '3.1.1→3.2.2 adjacent-minor',
    ]);
  });

  it('1.5.0 reaches the latest OSS through 2.1 and 2.8', () => {
    expect(steps(plan('1.5.0', '3.9.3'))).toEqual([
      '1.5.0→2.1.4 from-1.x-to-2.1',
      '2.1.4→2.8.5 to-2.8',
      '2.8.5→3.4.2 lts-to-lts',
      '3.4.2→3.5.0 adjacent-minor',
      '3.5.0→3.6.1 adjacent-minor',
      '3.6.1→3.7.1 adjacent-minor',
      '3.7.1→3.8.1 adjacent-minor',
      '3.8.1→3.9.3 adjacent-minor',
    ]);
  });

  it('pre-1.0 stops at 1.5.0 exactly', () => {
    expect(steps(plan('0.14.1', '2.8.5'))).toEqual([
      '0.14.1→1.5.0 pre-1.0-to-1.5.0',
      '1.5.0→2.1.4 from-1.x-to-2.1',
      '2.1.4→2.8.5 to-2.8',
    ]);
  });

  it('hybrid 3.1.0.0 and 3.1.1.1 stop at 3.1.1.2 first; traditional does not', () => {
    const hybrid: PlanOptions = { edition: 'enterprise', deployment: 'hybrid' };
    expect(steps(plan('3.1.0.0', '3.2.2.5', hybrid))).toEqual(['3.1.0.0→3.1.1.2 hybrid-3.1.1.2-first', '3.1.1.2→3.2.2.5 adjacent-minor']);
    expect(steps(plan('3.1.1.1', '3.1.1.3', hybrid))).toEqual(['3.1.1.1→3.1.1.2 hybrid-3.1.1.2-first', '3.1.1.2→3.1.1.3 patch']);
    expect(steps(plan('3.1.0.0', '3.2.2.5', EE))).toEqual(['3.1.0.0→3.2.2.5 adjacent-minor']);
  });

  it('blue-green towards 3.x first lifts 2.8 below 2.8.2 to the latest 2.8', () => {
    expect(steps(plan('2.8.0', '3.4.2', { ...OSS, strategy: 'blue-green' }))).toEqual([
      '2.8.0→2.8.5 blue-green-needs-2.8.2',
      '2.8.5→3.4.2 lts-to-lts',
    ]);
    expect(steps(plan('2.8.0', '3.4.2', { ...OSS, strategy: 'dual-cluster' }))).toEqual(['2.8.0→3.4.2 lts-to-lts']);
  });

  it('OSS → Enterprise: a three-number start counts as its .0 build', () => {
    const hops = plan('3.4.2', '3.10.0.2', EE);
    expect(steps(hops)).toEqual(['3.4.2→3.10.0.2 lts-to-lts']);
    expect(hops[0]!.reason).toContain('taken as Enterprise 3.4.2.0');
  });
});

describe('planUpgradePath: hop facts', () => {
  it('2.8 → 3.4: teardowns, finish, old nodes, decK LTS conversion, major marker', () => {
    const [hop] = plan('2.8.4', '3.4.2');
    expect(hop!.facts).toEqual({
      schema: {
        kind: 'migrations',
        teardown: [
          { subsystem: 'core', name: '016_280_to_300', since: parseKongVersion('3.0.0') },
          { subsystem: 'http-log', name: '001_280_to_300', since: parseKongVersion('3.0.0') },
          { subsystem: 'pre-function', name: '001_280_to_300', since: parseKongVersion('3.0.0') },
          { subsystem: 'post-function', name: '001_280_to_300', since: parseKongVersion('3.0.0') },
        ],
        coverage: 'complete',
        oldNodesAfterUp: true,
        oldNodesAfterFinish: false,
      },
      requiresFinish: true,
      deckConvert: { from: '2.8', to: '3.4', minimumDeck: '1.47.0', command: 'deck file convert --from 2.8 --to 3.4' },
      breaking: [
        { kind: 'major-version', from: 2, to: 3 },
        { kind: 'lts-jump', from: '2.8', to: '3.4' },
      ],
    });
  });

  it('a hop without teardowns leaves finish nothing to do and old nodes working', () => {
    const [hop] = plan('3.7.1', '3.8.1');
    expect(hop!.facts.requiresFinish).toBe(false);
    expect(hop!.facts.schema).toMatchObject({ kind: 'migrations', teardown: [], coverage: 'complete', oldNodesAfterFinish: true });
    expect(hop!.facts.deckConvert).toBeUndefined();
    expect(hop!.facts.breaking).toEqual([]);
  });

  it('the 3.5 → 3.6 hop lists the plugin teardowns', () => {
    const [hop] = plan('3.5.0', '3.6.1');
    const schema = hop!.facts.schema;
    expect(schema.kind === 'migrations' && schema.teardown.map((m) => `${m.subsystem}:${m.name}`)).toEqual([
      'acme:003_350_to_360',
      'rate-limiting:006_350_to_360',
      'response-ratelimiting:001_350_to_360',
      'opentelemetry:001_331_to_332',
    ]);
  });

  it('Enterprise and post-3.9.3 hops are partial: finish is assumed to have work', () => {
    const [hop] = plan('3.8.1.0', '3.8.1.2', EE);
    expect(hop!.facts.schema).toMatchObject({ kind: 'migrations', teardown: [], coverage: 'partial', oldNodesAfterFinish: false });
    expect(hop!.facts.requiresFinish).toBe(true);
  });

  it('3.4 → 3.10 and 3.10 → 3.14 carry their decK conversions; other 2→3 hops the 2.x→3.x form', () => {
    const [first, second] = plan('3.4.3.5', '3.14.0.13', EE);
    expect(first!.facts.deckConvert?.command).toBe('deck file convert --from 3.4 --to 3.10');
    expect(second!.facts.deckConvert?.command).toBe('deck file convert --from 3.10 --to 3.14');
    const majorHop = plan('2.8.5', '3.0.2')[0]!;
    expect(majorHop.facts.deckConvert?.command).toBe('deck file convert --from kong-gateway-2.x --to kong-gateway-3.x');
    expect(majorHop.facts.breaking).toEqual([{ kind: 'major-version', from: 2, to: 3 }]);
  });

  it('DB-less hops have no database and no finish', () => {
    const [hop] = plan('2.8.4', '3.4.2', { edition: 'oss', deployment: 'db-less' });
    expect(hop!.facts.schema).toEqual({ kind: 'no-database' });
    expect(hop!.facts.requiresFinish).toBe(false);
  });
});

describe('planUpgradePath: refusals', () => {
  it.each([
    ['3.4.2', '3.4.1', 'downgrades are not supported'],
    ['3.4.2', '3.4.2', 'already running'],
    ['3.4.0', '3.4.3', 'OSS 3.4 releases: 3.4.0, 3.4.1, 3.4.2'],
    ['3.4.2', '3.10.0', 'Kong OSS 3.10.0 was never released'],
    ['3.4.2', '3.10.0.2', 'needs three numbers'],
  ])('%s → %s names input "to"', (from, to, message) => {
    const error = refusal(() => plan(from, to));
    expect(error.origin).toEqual({ input: 'to' });
    expect(error.message).toContain(message);
  });

  it('an Enterprise start with edition oss names input "from"', () => {
    const error = refusal(() => plan('3.4.3.5', '3.9.3'));
    expect(error.origin).toEqual({ input: 'from' });
    expect(error.message).toContain('use edition enterprise');
  });

  it('a start in no known line names input "from"', () => {
    expect(refusal(() => plan('0.99.0', '3.9.3')).origin).toEqual({ input: 'from' });
  });

  it('a target no documented rule reaches is refused', () => {
    // Pre-1.0 databases must pass through 1.5.0, so 1.3 is out of reach.
    expect(refusal(() => plan('0.14.1', '1.3.0')).message).toContain('no upgrade path from 0.14 to 1.3');
  });

  it('Cassandra cannot go past 3.3: migrate to PostgreSQL first', () => {
    const cassandra: PlanOptions = { ...OSS, database: 'cassandra' };
    const error = refusal(() => plan('3.2.0', '3.4.2', cassandra));
    expect(error.origin).toEqual({ input: 'to' });
    expect(error.message).toContain('migrate the database to PostgreSQL first');
    expect(error.message).toContain('3.3.1');
    expect(steps(plan('3.2.0', '3.3.1', cassandra))).toEqual(['3.2.0→3.3.1 adjacent-minor']);
    expect(refusal(() => plan('3.4.0', '3.4.2', cassandra)).origin).toEqual({ input: 'database' });
    expect(steps(plan('3.2.0', '3.4.2', { edition: 'oss', deployment: 'db-less', database: 'cassandra' }))).toHaveLength(2);
  });

  it('refuses an Enterprise route through lines the catalog has no Enterprise release for', () => {
    const error = refusal(() => plan('1.5.0', '3.4.3.29', EE));
    expect(error.message).toContain('no Enterprise 2.1 release');
  });
});
