import { inputError, stepError } from '../lib/errors.js';
import { execCommand } from '../lib/exec.js';
import type { ApplyResult, SplitState, TrafficBackend } from './backend.js';

/**
 * Kubernetes: one Service whose selector points at the blue or the green Deployment's pods.
 * A selector is all or nothing, so this backend only switches (0% or 100%); kube-proxy updates
 * endpoints as pods match, and established connections to blue pods stay open until they close.
 * `render` (input `render: true`) prints the patch and the kubectl command instead of running it.
 */
export interface KubernetesOptions {
  readonly kubectl: string;
  readonly service: string;
  readonly namespace: string | undefined;
  readonly context: string | undefined;
  readonly blueSelector: Readonly<Record<string, string>>;
  readonly greenSelector: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export function createKubernetesBackend(options: KubernetesOptions): TrafficBackend {
  const scope = [...(options.context === undefined ? [] : ['--context', options.context]), ...(options.namespace === undefined ? [] : ['--namespace', options.namespace])];

  async function kubectl(args: string[]): Promise<string> {
    const result = await execCommand({ command: options.kubectl, args: [...scope, ...args], timeoutMs: options.timeoutMs });
    if (result.exitCode !== 0) throw stepError('kubectl', `kubectl ${args.join(' ')} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
    return result.stdout;
  }

  async function read(): Promise<SplitState> {
    const service = JSON.parse(await kubectl(['get', 'service', options.service, '-o', 'json'])) as { spec?: { selector?: Record<string, string> } };
    const selector = service.spec?.selector ?? {};
    const detail = `service/${options.service} selector ${formatSelector(selector)}`;
    if (sameSelector(selector, options.greenSelector)) return { kind: 'split', green: 100, detail };
    if (sameSelector(selector, options.blueSelector)) return { kind: 'split', green: 0, detail };
    return { kind: 'unknown', detail: `${detail} is neither blue (${formatSelector(options.blueSelector)}) nor green (${formatSelector(options.greenSelector)})` };
  }

  async function apply(green: number): Promise<ApplyResult> {
    if (green !== 0 && green !== 100) throw stepError('kubectl', `a Service selector cannot send ${green}%: only 0 or 100`);
    const before = await read();
    if (before.kind === 'split' && before.green === green) return { green, actions: [] };
    const patch = JSON.stringify(selectorPatch(green === 100 ? options.greenSelector : options.blueSelector, green === 100 ? options.blueSelector : options.greenSelector));
    await kubectl(['patch', 'service', options.service, '--type', 'merge', '-p', patch]);
    const after = await read();
    if (after.kind !== 'split' || after.green !== green) throw stepError('kubectl', `after the patch ${after.detail}`);
    return { green, actions: [`kubectl patch service ${options.service} --type merge -p ${patch}`] };
  }

  async function render(green: number): Promise<string> {
    const patch = JSON.stringify(selectorPatch(green === 100 ? options.greenSelector : options.blueSelector, green === 100 ? options.blueSelector : options.greenSelector));
    return `kubectl ${[...scope, 'patch', 'service', options.service, '--type', 'merge', '-p', `'${patch}'`].join(' ')}`;
  }

  return {
    kind: 'kubernetes',
    supportsPartial: false,
    describe: () => `Kubernetes service/${options.service}${options.namespace === undefined ? '' : ` in ${options.namespace}`} (blue ${formatSelector(options.blueSelector)}; green ${formatSelector(options.greenSelector)})`,
    read,
    apply,
    render,
  };
}

/**
 * A JSON merge patch (RFC 7386) that makes the selector exactly `to`: keys only `from` has are
 * set to null, or the merge would keep them and select nothing.
 */
export function selectorPatch(to: Readonly<Record<string, string>>, from: Readonly<Record<string, string>>): { spec: { selector: Record<string, string | null> } } {
  const selector: Record<string, string | null> = {};
  for (const key of Object.keys(from)) if (!(key in to)) selector[key] = null;
  Object.assign(selector, to);
  return { spec: { selector } };
}

/** `app=kong,track=blue` → {app: 'kong', track: 'blue'}. */
export function parseSelector(text: string, input: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(part);
    if (match === null) throw inputError(input, `"${part}" is not a label selector term; use key=value pairs such as app=kong,track=blue`);
    selector[match[1]!] = match[2]!;
  }
  if (Object.keys(selector).length === 0) throw inputError(input, 'is empty; give key=value pairs such as app=kong,track=blue');
  return selector;
}

function sameSelector(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

function formatSelector(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') || '(none)';
}
