// Workflow and action files read with GitHub's own parser (@actions/workflow-parser): the workflow
// schema validates every key, type and expression, and a file it rejects never runs here.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, isMapping, isSequence, NoOperationTraceWriter, parseWorkflow, type WorkflowTemplate } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction, type ActionTemplate } from '@actions/workflow-parser/actions/index';
import type { Job, ReusableWorkflowJob, Step } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateContext } from '@actions/workflow-parser/templates/template-context';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';
import { REPO_ROOT } from '../helpers/paths.js';

export type { Job, ReusableWorkflowJob, Step };

export interface LoadedWorkflow {
  /** The name errors use: the path from the repository root, or the absolute path. */
  readonly file: string;
  /** Root of the repository the workflow belongs to: `./` references resolve from here. */
  readonly repository: string;
  readonly template: WorkflowTemplate;
  /** The validated token tree, for what the converted template leaves out (step `with:`, timeouts). */
  readonly root: MappingToken;
  readonly files: TemplateContext;
}

/** Parse errors, each `file (Line: l, Col: c): message` as GitHub's parser words it. */
export class WorkflowParseError extends Error {
  constructor(readonly file: string, readonly errors: readonly string[]) {
    super(`${file}: rejected by GitHub's workflow parser:\n  ${errors.join('\n  ')}`);
  }
}

/** Where GitHub looks for a reusable workflow inside a repository. */
const REUSABLE_PATH = /^\.github\/workflows\/[^/]+\.ya?ml$/;

/**
 * Reads, validates and converts a workflow. Reusable workflows it calls are fetched (one level, as
 * the parser's converter allows) so their inputs and secrets are checked against the call.
 */
export async function loadWorkflow(file: string, options: { repository?: string } = {}): Promise<LoadedWorkflow> {
  const full = path.resolve(REPO_ROOT, file);
  const repository = options.repository ?? repositoryOf(full);
  const name = full.startsWith(`${REPO_ROOT}${path.sep}`) ? path.relative(REPO_ROOT, full) : full;
  const parsed = parseWorkflow({ name, content: readFileSync(full, 'utf8') }, new NoOperationTraceWriter());
  const unresolved: string[] = [];
  const provider = {
    async getFileContent(ref: FileReference) {
      try {
        const called = resolveReusable(ref, repository);
        return { name: path.relative(repository, called), content: readFileSync(called, 'utf8') };
      } catch (error) {
        unresolved.push((error as Error).message);
        throw error;
      }
    },
  };
  const template = parsed.value ? await convertWorkflowTemplate(parsed.context, parsed.value, provider, { fetchReusableWorkflowDepth: 1 }) : undefined;
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (!parsed.value || !template || errors.length > 0) throw new WorkflowParseError(name, [...errors, ...unresolved]);
  if (!isMapping(parsed.value)) throw new WorkflowParseError(name, ['the workflow is not a mapping']);
  return { file: name, repository, template, root: parsed.value, files: parsed.context };
}

/**
 * A `uses:` of a reusable workflow as a file of this checkout: `./.github/workflows/x.yml` in the
 * caller's repository, and `<owner>/<repo>/.github/workflows/x.yml@<ref>` in the same one (the
 * harness has no other repository; the ref is not checked out).
 */
export function resolveReusable(ref: FileReference | string, repository: string): string {
  const reference = typeof ref === 'string' ? parseUses(ref) : ref;
  if (!REUSABLE_PATH.test(reference.path)) throw new Error(`${describeRef(reference)}: a reusable workflow is a file directly under .github/workflows/`);
  const file = path.join(repository, reference.path);
  if (!existsSync(file)) throw new Error(`${describeRef(reference)}: resolved to this checkout, ${file} does not exist`);
  return file;
}

function parseUses(uses: string): FileReference {
  if (uses.startsWith('./')) return { path: uses.slice(2) };
  const match = /^([^/@]+)\/([^/@]+)\/([^@]+)@(.+)$/.exec(uses);
  if (!match) throw new Error(`${uses}: not ./<path> nor <owner>/<repo>/<path>@<ref>`);
  return { owner: match[1]!, repository: match[2]!, path: match[3]!, version: match[4]! };
}

function describeRef(ref: FileReference): string {
  return 'owner' in ref ? `${ref.owner}/${ref.repository}/${ref.path}@${ref.version}` : `./${ref.path}`;
}

/** A workflow under `<root>/.github/workflows/` belongs to `<root>`; anything else to this repository. */
function repositoryOf(file: string): string {
  const marker = `${path.sep}.github${path.sep}workflows${path.sep}`;
  const at = file.lastIndexOf(marker);
  return at >= 0 && path.dirname(file) === file.slice(0, at + marker.length - 1) ? file.slice(0, at) : REPO_ROOT;
}

/** A key of a mapping token, by name. */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return token && isMapping(token) ? token.find(key) : undefined;
}

/** The job's own mapping in the file (keys the converted job leaves out: timeout-minutes, continue-on-error). */
export function jobToken(workflow: LoadedWorkflow, jobId: string): TemplateToken | undefined {
  return child(child(workflow.root, 'jobs'), jobId);
}

/** Each step's own mapping, in the converted steps' order (with:, timeout-minutes, working-directory, shell). */
export function stepTokens(workflow: LoadedWorkflow, jobId: string): TemplateToken[] {
  const steps = child(jobToken(workflow, jobId), 'steps');
  return steps && isSequence(steps) ? [...steps] : [];
}

/** `on.<event>` of the workflow, when the workflow declares that event. */
export function eventToken(workflow: LoadedWorkflow, event: string): TemplateToken | undefined {
  return child(child(workflow.root, 'on'), event);
}

/** A suite action's metadata, validated by GitHub's action schema. */
export function loadAction(actionYml: string): ActionTemplate {
  const name = path.relative(REPO_ROOT, actionYml);
  const parsed = parseAction({ name, content: readFileSync(actionYml, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (!parsed.value || errors.length > 0) throw new WorkflowParseError(name, errors);
  return convertActionTemplate(parsed.context, parsed.value);
}
