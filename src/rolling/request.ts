import path from 'node:path';
import { PLAN_SCHEMA } from '../changelog/plan-types.js';
import { readProxyRequests } from '../checks/options.js';
import { readDeckRelease, type DeckRelease } from '../lib/deck-release.js';
import { inputError } from '../lib/errors.js';
import { readBoolean, readDuration, readEnum, readHttpUrl, readPath, readPositiveInteger, readSecret, readString, type InputSource } from '../lib/inputs.js';
import { listOf, nullable, object, optional, readContract, text, type Contract } from '../lib/json-shape.js';
import { parseKongVersion, tryParseKongVersion } from '../version/kong-version.js';
import { kongControlPlane, konnectControlPlane, type ControlPlaneView } from './control-plane.js';
import { conversionSteps, type ConversionStep } from './declarative.js';
import { parseNodes, planBatches } from './nodes.js';
import { resolveOperatorScript } from './operator.js';
import type { RollRequest } from './roll.js';

/** The plan as the roll action reads it: its versions and each hop's decK conversion. */
const ROLL_PLAN: Contract = {
  schema: PLAN_SCHEMA,
  name: 'plan',
  shape: object({
    from: text((value) => tryParseKongVersion(value) !== undefined, 'a Kong version'),
    to: text((value) => tryParseKongVersion(value) !== undefined, 'a Kong version'),
    hops: listOf(object({ from: text(), to: text(), deckConvert: optional(nullable(text())) })),
  }),
};

interface RollPlan {
  readonly from: string;
  readonly to: string;
  readonly hops: readonly { readonly from: string; readonly to: string; readonly deckConvert?: string | null }[];
}

/** The decK release the workflows pin by default: the newest converting every LTS pair (1.57.3+). */
export const DEFAULT_DECK_VERSION = '1.65.1';

export interface ConvertRequest {
  readonly command: 'convert';
  readonly input: string;
  readonly output: string;
  readonly steps: readonly ConversionStep[];
  readonly deck: DeckRelease | undefined;
}

/** The roll request as read from inputs: the DB-less files still to be read, the report's path. */
export interface RollInputs extends Omit<RollRequest, 'declarative'> {
  readonly command: 'roll';
  /** DB-less: the converted file, and the one the nodes ran before (for revert-batch). */
  readonly declarative: { readonly converted: string; readonly previous: string | undefined } | undefined;
  readonly reportFile: string;
}

/** Every input read and checked before anything happens; secrets masked as they are read. */
export async function readRollRequest(source: InputSource, cwd: string, env: NodeJS.ProcessEnv): Promise<ConvertRequest | RollInputs> {
  const command = readEnum(source, 'command', ['roll', 'convert'] as const, 'roll');
  const planFile = readPath(source, 'plan-json');
  if (planFile === undefined) throw inputError('plan-json', 'is required: the plan (fetch-changelog plan-json) gives the versions and the conversions per hop');
  const plan = await readContract<RollPlan>(path.resolve(cwd, planFile), 'plan-json', [ROLL_PLAN]);
  const temp = env.RUNNER_TEMP ?? cwd;

  if (command === 'convert') {
    const input = readPath(source, 'declarative-config');
    if (input === undefined) throw inputError('declarative-config', 'is required for command convert: the declarative file your DB-less nodes load');
    const output = readPath(source, 'converted-config') ?? path.join(temp, 'kong-declarative', `converted-${path.basename(input)}`);
    const steps = conversionSteps(plan.hops);
    return { command, input: path.resolve(cwd, input), output: path.resolve(cwd, output), steps, deck: steps.length === 0 ? undefined : readDeckRelease(source, DEFAULT_DECK_VERSION) };
  }

  const deployment = readEnum(source, 'deployment', ['hybrid', 'konnect', 'db-less'] as const, 'hybrid');
  const nodesText = readString(source, 'nodes');
  if (nodesText === undefined) throw inputError('nodes', 'is required: the nodes to roll, as JSON (e.g. the variable KONG_ROLLING_NODES)');
  const nodes = parseNodes(nodesText, 'nodes', deployment === 'db-less');
  const batches = planBatches(nodes, readString(source, 'batches'), readPositiveInteger(source, 'batch-size', 1));
  const script = readPath(source, 'operator-script');
  if (script === undefined) throw inputError('operator-script', 'is required: the script that replaces a batch of nodes (phase roll-batch)');
  const requestTimeoutMs = readDuration(source, 'request-timeout', '10s');
  const adminToken = readSecret(source, 'admin-token');
  return {
    command,
    deployment,
    from: parseKongVersion(plan.from, 'plan-json'),
    to: parseKongVersion(plan.to, 'plan-json'),
    batches,
    operatorScript: await resolveOperatorScript(script, cwd),
    controlPlane: readControlPlane(source, deployment, adminToken, requestTimeoutMs),
    declarative: deployment === 'db-less' ? readDeclarativeFiles(source, cwd) : undefined,
    adminToken,
    requests: await readProxyRequests(source, cwd),
    syncTimeoutMs: readDuration(source, 'sync-timeout', '5m'),
    requestTimeoutMs,
    revertOnFailure: readBoolean(source, 'revert-on-failure', true),
    dryRun: readBoolean(source, 'dry-run', false),
    reportFile: path.resolve(cwd, readPath(source, 'report-file') ?? path.join(temp, 'kong-rolling-report.json')),
  };
}

function readControlPlane(source: InputSource, deployment: RollRequest['deployment'], adminToken: string | undefined, timeoutMs: number): ControlPlaneView | undefined {
  if (deployment === 'db-less') return undefined;
  if (deployment === 'konnect') {
    const id = readString(source, 'konnect-control-plane-id');
    const token = readSecret(source, 'konnect-token');
    if (id === undefined || !/^[A-Za-z0-9-]{1,64}$/.test(id)) throw inputError('konnect-control-plane-id', 'is required for deployment konnect: the control plane\'s id (a UUID)');
    if (token === undefined) throw inputError('konnect-token', 'is required for deployment konnect: a Konnect personal or system access token');
    return konnectControlPlane({ apiUrl: readHttpUrl(source, 'konnect-api-url') ?? 'https://us.api.konghq.com/v2', token, controlPlaneId: id }, timeoutMs);
  }
  const url = readHttpUrl(source, 'control-plane-admin-url');
  if (url === undefined) throw inputError('control-plane-admin-url', 'is required for deployment hybrid: the control plane\'s Admin API, where /clustering/data-planes lists the data planes');
  return kongControlPlane({ input: 'control-plane-admin-url', url, token: adminToken, workspace: undefined }, timeoutMs);
}

function readDeclarativeFiles(source: InputSource, cwd: string): RollInputs['declarative'] {
  const converted = readPath(source, 'declarative-config');
  if (converted === undefined) throw inputError('declarative-config', 'is required for deployment db-less: the converted declarative file the new nodes load (command convert writes it)');
  const previous = readPath(source, 'previous-config');
  return { converted: path.resolve(cwd, converted), previous: previous === undefined ? undefined : path.resolve(cwd, previous) };
}
