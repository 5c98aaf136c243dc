import { describe, expect, it } from 'vitest';
import { parseKongVersion } from '../../src/version/kong-version.js';
import { adviseStrategies, type GroupAdvice } from '../../src/version/strategies.js';
import { planUpgradePath, type PlanOptions } from '../../src/version/upgrade-path.js';

function advise(from: string, to: string, options: PlanOptions): readonly GroupAdvice[] {
  return adviseStrategies(planUpgradePath(parseKongVersion(from), parseKongVersion(to), options), options.deployment);
}

function verdict(group: GroupAdvice, name: string) {
  const found = group.strategies.find((s) => s.name === name);
  if (!found) throw new Error(`no verdict for ${name}`);
  return found;
}

describe('adviseStrategies', () => {
  it('traditional: dual-cluster recommended, in-place as fallback, rolling and cross-line blue-green refused', () => {
    const [group, ...rest] = advise('2.8.4', '3.4.2', { edition: 'oss', deployment: 'traditional' });
    expect(rest).toEqual([]);
    expect(group).toMatchObject({ group: 'nodes', recommended: 'dual-cluster', fallback: { name: 'in-place' } });
    expect(group!.strategies.map((s) => s.name)).toEqual(['dual-cluster', 'in-place', 'blue-green', 'rolling']);
    expect(verdict(group!, 'dual-cluster').supported).toBe(true);
    expect(verdict(group!, 'in-place')).toMatchObject({ supported: true, reason: expect.stringContaining('downtime') });
    expect(verdict(group!, 'blue-green')).toMatchObject({ supported: false, reason: expect.stringContaining('hop 2.8.4 → 3.4.2 is lts-to-lts') });
    expect(verdict(group!, 'rolling').supported).toBe(false);
  });

  it('blue-green: supported (not recommended) for patch hops from 2.8.2 on', () => {
    const [group] = advise('2.8.2', '2.8.5', { edition: 'oss', deployment: 'traditional' });
    expect(verdict(group!, 'blue-green')).toMatchObject({ supported: true, reason: expect.stringContaining('not recommended') });
    expect(group!.recommended).toBe('dual-cluster');
  });

  it('blue-green: refused below 2.8.2', () => {
    const [group] = advise('2.8.0', '2.8.1', { edition: 'oss', deployment: 'traditional' });
    expect(verdict(group!, 'blue-green')).toMatchObject({ supported: false, reason: expect.stringContaining('2.8.2 or later') });
  });

  it('hybrid: control planes like traditional first, then data planes rolling only', () => {
    const groups = advise('3.4.2', '3.5.0', { edition: 'oss', deployment: 'hybrid' });
    expect(groups.map((g) => [g.group, g.recommended])).toEqual([
      ['control-planes', 'dual-cluster'],
      ['data-planes', 'rolling'],
    ]);
    const dataPlanes = groups[1]!;
    expect(dataPlanes.reason).toContain('after the control planes');
    expect(dataPlanes.fallback).toBeUndefined();
    expect(dataPlanes.strategies.filter((s) => s.supported).map((s) => s.name)).toEqual(['rolling']);
  });

  it('DB-less: rolling only, every other strategy with its reason', () => {
    const [group] = advise('3.4.2', '3.9.3', { edition: 'oss', deployment: 'db-less' });
    expect(group!.recommended).toBe('rolling');
    for (const name of ['dual-cluster', 'in-place', 'blue-green']) {
      expect(verdict(group!, name)).toMatchObject({ supported: false, reason: expect.stringContaining('no database to migrate') });
    }
  });
});
