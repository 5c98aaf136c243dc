import { errorMessage, stepError } from '../lib/errors.js';
import type { ApplyResult, FrontCounts, SplitState, TrafficBackend } from './backend.js';

/** One load balancer of several that front the same clusters, named as the user gave it. */
export interface Instance {
  readonly name: string;
  readonly backend: TrafficBackend;
}

/**
 * Several load balancers (HAProxy instances, nginx hosts) switched as one: each step goes to
 * every instance in turn, and the split is only what they all report together. Before a step
 * changes anything, every instance is read: one unreachable, or no longer at the share the last
 * step left (a reload from its config file, another operator), stops the step before any
 * instance moves. A failure names the instance; the strategy's revert then sets 0% on every
 * instance it can reach, each tried even when another fails, and names those it could not.
 */
export function createFanout(instances: readonly Instance[]): TrafficBackend {
  if (instances.length === 0) throw new RangeError('createFanout needs at least one instance');
  if (instances.length === 1) return instances[0]!.backend;
  const first = instances[0]!.backend;
  const kind = first.kind;
  const names = instances.map((i) => i.name);
  /** The share every instance was left at by this run (or found at), to see changes made behind it. */
  let expected: number | undefined;

  async function readAll(): Promise<{ name: string; state: SplitState }[]> {
    return Promise.all(instances.map(async ({ name, backend }) => ({
      name,
      state: await backend.read().catch((error: unknown): SplitState => ({ kind: 'unknown', detail: detailOf(error) })),
    })));
  }

  // An instance's own error already starts with the backend kind, which the fan-out's error repeats.
  const detailOf = (error: unknown) => {
    const message = errorMessage(error);
    return message.startsWith(`${kind}: `) ? message.slice(kind.length + 2) : message;
  };
  const shareOf = (state: SplitState) => (state.kind === 'split' ? `${state.green}%` : 'unknown');

  async function read(): Promise<SplitState> {
    const states = await readAll();
    expected = undefined;
    const detail = states.map(({ name, state }) => `${name}: ${state.detail}`).join('; ');
    const unknown = states.filter(({ state }) => state.kind !== 'split');
    if (unknown.length > 0) return { kind: 'unknown', detail: `${unknown.map((u) => u.name).join(', ')} unreadable (${detail})` };
    const shares = new Set(states.map(({ state }) => shareOf(state)));
    if (shares.size > 1) return { kind: 'unknown', detail: `the instances disagree: ${states.map(({ name, state }) => `${name} ${shareOf(state)}`).join(', ')} (${detail})` };
    const green = (states[0]!.state as { green: number }).green;
    expected = green;
    return { kind: 'split', green, detail };
  }

  async function apply(green: number): Promise<ApplyResult> {
    if (green === 0) return revertAll();
    const states = await readAll();
    const unreadable = states.filter(({ state }) => state.kind !== 'split');
    if (unreadable.length > 0) {
      throw stepError(kind, `before setting green to ${green}%: ${unreadable.map(({ name, state }) => `instance ${name}: ${state.detail}`).join('; ')} (no instance was changed in this step)`);
    }
    const moved = expected === undefined ? [] : states.filter(({ state }) => state.kind === 'split' && state.green !== expected);
    if (moved.length > 0) {
      throw stepError(kind, `before setting green to ${green}%: ${moved.map(({ name, state }) => `instance ${name} is at ${shareOf(state)}`).join(', ')}, not the ${expected}% this run left on every instance: changed outside promote (a reload or restart from its config file, another operator?); no instance was changed in this step`);
    }
    const actions: string[] = [];
    for (const [index, { name, backend }] of instances.entries()) {
      try {
        const result = await backend.apply(green);
        actions.push(...result.actions.map((a) => `${name}: ${a}`));
      } catch (error) {
        expected = undefined;
        const done = names.slice(0, index);
        throw stepError(kind, `instance ${name} failed at green ${green}%${done.length > 0 ? ` (already at ${green}%: ${done.join(', ')})` : ''}: ${detailOf(error)}`, error);
      }
    }
    expected = green;
    return { green, actions };
  }

  /** 100% blue on every instance, each tried whatever the others do. */
  async function revertAll(): Promise<ApplyResult> {
    const actions: string[] = [];
    const failed = new Map<string, string>();
    for (const { name, backend } of instances) {
      try {
        const result = await backend.apply(0);
        actions.push(...result.actions.map((a) => `${name}: ${a}`));
      } catch (error) {
        failed.set(name, detailOf(error));
      }
    }
    if (failed.size > 0) {
      expected = undefined;
      const reverted = names.filter((n) => !failed.has(n));
      throw stepError(kind, `${failed.size} of ${instances.length} instances could not be set to 100% blue: ${[...failed].map(([n, why]) => `instance ${n}: ${why}`).join('; ')}${reverted.length > 0 ? ` (at 100% blue: ${reverted.join(', ')})` : ''}`);
    }
    expected = 0;
    return { green: 0, actions };
  }

  async function frontCounter(): Promise<(() => Promise<FrontCounts>) | undefined> {
    const counters = await Promise.all(instances.map((i) => i.backend.frontCounter?.()));
    if (counters.some((c) => c === undefined)) return undefined;
    return async () => {
      const counts = await Promise.all(counters.map(async (count, i) => {
        try {
          return await count!();
        } catch (error) {
          throw stepError(kind, `instance ${names[i]}: counting green's traffic: ${detailOf(error)}`, error);
        }
      }));
      return {
        requests: counts.reduce((sum, c) => sum + c.requests, 0),
        status5xx: counts.reduce((sum, c) => sum + c.status5xx, 0),
        transportErrors: counts.reduce((sum, c) => sum + c.transportErrors, 0),
        source: counts.map((c) => c.source).join(' + '),
      };
    };
  }

  return {
    kind,
    supportsPartial: instances.every((i) => i.backend.supportsPartial),
    describe: () => `${instances.length} instances switched together: ${instances.map((i) => i.backend.describe()).join('; ')}`,
    read,
    apply,
    render: async (green) => (await Promise.all(instances.map(async (i) => `# ${i.name}\n${await i.backend.render(green)}`))).join('\n'),
    frontCounter,
  };
}
