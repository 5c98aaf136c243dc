// The harness's public shapes: what a test passes to runWorkflow and what it gets back.
import type { Annotation } from '../helpers/run-action.js';
import type { ConcurrencyGroups } from './concurrency.js';
import type { Value } from './evaluate.js';

export type { Value };

export type Conclusion = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface EnvironmentConfig {
  readonly secrets?: Readonly<Record<string, string>>;
  readonly vars?: Readonly<Record<string, string>>;
  /** Required reviewers (a protection rule): a job deploying here waits for their decision. */
  readonly reviewers?: readonly string[];
  /**
   * The reviewers' decision; default approve. A rejected deployment fails the job without running
   * a step, as GitHub does. Only an environment with reviewers has one.
   */
  readonly approve?: boolean | ((job: string) => boolean);
}

export interface StepContext {
  readonly job: string;
  readonly environment: string | undefined;
  /** The step's id (or undefined). */
  readonly id: string | undefined;
  readonly name: string;
  /** The step's `env:` evaluated, over the workflow's and the job's env. */
  readonly env: Readonly<Record<string, string>>;
  /** The job's RUNNER_TEMP and workspace. */
  readonly runnerTemp: string;
  readonly workspace: string;
  /** The `job` context's workflow identity: the repository and commit of the file defining the job. */
  readonly workflow: WorkflowIdentity;
  /** Writes a line to the run's log (as the step's output). */
  log(line: string): void;
}

/**
 * `job.workflow_repository`, `job.workflow_sha`, `job.workflow_ref`, `job.workflow_file_path`
 * (GitHub docs, "Contexts reference", job context): in a called workflow they name the called
 * file's repository and commit, while `github.repository` stays the caller's.
 */
export interface WorkflowIdentity {
  readonly repository: string;
  readonly sha: string;
  readonly ref: string;
  readonly filePath: string;
}

/** A test command standing in for a `run:` step (an operator step: "start Kong X"). */
export type StepCommand = (ctx: StepContext) => Promise<void | { outputs?: Record<string, string> }>;

/** A stand-in for a third-party action: inputs in, outputs out. */
export type ActionStandIn = (inputs: Readonly<Record<string, string>>, ctx: StepContext) => Promise<Record<string, string> | void>;

export interface RunWorkflowOptions {
  /** Path of the workflow file (relative to the repository or absolute). */
  readonly workflow: string;
  /**
   * Root of the repository the workflow belongs to (`./` reusable workflows resolve from it);
   * default the folder holding `.github/workflows/` when the file lies there, else this repository.
   */
  readonly repository?: string;
  /** Where everything the run writes goes (logs, summaries, artifacts, runner temps, workspaces). */
  readonly workDir: string;
  readonly event?: string;
  readonly inputs?: Readonly<Record<string, string | boolean | number>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * Repository variables. Read at each evaluation, so a test command may change one (an operator
   * step that repoints a DNS name: the new node's Admin API is on another port here).
   */
  readonly vars?: Record<string, string>;
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
  /** Test commands for `run:` steps, by step id or name. */
  readonly commands?: Readonly<Record<string, StepCommand>>;
  /** Ids of `run:` steps executed for real with bash. Everything else needs a command. */
  readonly runScripts?: readonly string[];
  /** Stand-ins for other `uses:` actions, by `owner/name` (no @ref). */
  readonly actions?: Readonly<Record<string, ActionStandIn>>;
  /** Files copied into each job's workspace by actions/checkout (the repository as checked out). */
  readonly checkout?: string;
  /** Extra environment for every step's process (e.g. PATH with test tools). */
  readonly processEnv?: Readonly<Record<string, string>>;
  /** Run only these jobs (and treat the others as never defined); `<call> / <job>` picks the jobs of a called workflow. */
  readonly jobs?: readonly string[];
  /** Sample every process's argv (/proc/<pid>/cmdline) every this many ms while steps run. */
  readonly sampleArgvMs?: number;
  /** github.run_id; default a fixed number. */
  readonly runId?: string;
  /** Called before each step (tests observe the world between steps). */
  readonly beforeStep?: (job: string, step: StepResultPartial) => Promise<void> | void;
  /** The harness's own limit on one step, whatever the workflow allows; default 120 s. */
  readonly stepTimeoutMs?: number;
  /** How long a minute of `timeout-minutes` lasts here; default 60 000 ms (tests shorten it). */
  readonly minuteMs?: number;
  /** Concurrency groups shared with other runs (one repository's runs); default this run's own. */
  readonly concurrency?: ConcurrencyGroups;
  /** github.api_url and GITHUB_API_URL (a test's fake GitHub API); default an address nothing listens on. */
  readonly apiUrl?: string;
  /** github.repository of the run (the caller's repository); default example/kong-ops. */
  readonly githubRepository?: string;
}

export interface StepResultPartial {
  readonly id: string | undefined;
  readonly name: string;
}

export interface StepResult extends StepResultPartial {
  readonly kind: 'action' | 'script' | 'command' | 'stand-in' | 'skipped';
  readonly uses?: string;
  /** Inputs as given to the action (after evaluation), secrets included: for assertions only. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly outcome: Conclusion;
  readonly conclusion: Conclusion;
  readonly outputs: Record<string, string>;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary: string;
  readonly annotations: Annotation[];
  readonly error?: string;
  readonly seconds: number;
}

/** The deployment a job made to its environment. */
export interface Deployment {
  readonly environment: string;
  /** `environment.url` evaluated after the job's steps. */
  readonly url: string | undefined;
  readonly reviewers: readonly string[];
  /** The job waited for the required reviewers before its first step. */
  readonly waitedForReviewers: boolean;
  readonly approved: boolean;
}

export interface JobResult {
  /** The job id; a matrix combination `id (a, b)`; a job of a called workflow `caller / id`. */
  readonly id: string;
  /** The job's `name:` evaluated (its id when it has none). */
  readonly name: string;
  readonly result: Conclusion;
  readonly environment: string | undefined;
  readonly deployment?: Deployment;
  readonly outputs: Record<string, string>;
  readonly steps: StepResult[];
  /** The `post:` steps of its actions, run when the job ended (last first). */
  readonly posts?: StepResult[];
  /** Why the job did not run or ended as it did (condition false, a need failed, reviewers rejected, cancelled). */
  readonly reason?: string;
  readonly matrix?: Record<string, Value>;
  readonly runsOn?: Value;
  readonly concurrency?: { readonly group: string; readonly cancelInProgress: boolean };
  readonly timeoutMinutes?: number;
  /** A reusable workflow call: the called file, its jobs are listed before this one. */
  readonly calls?: string;
}

export interface WorkflowRun {
  readonly conclusion: 'success' | 'failure' | 'cancelled';
  /** In `needs` order; a matrix job appears once per combination (`id (a, b)`). */
  readonly jobs: JobResult[];
  readonly job: (id: string) => JobResult;
  readonly step: (job: string, id: string) => StepResult;
  /** Every line written to the log, prefixed `job/step | `. */
  readonly log: string[];
  readonly artifactsDir: string;
  readonly artifactNames: string[];
  /** Unique argv lines seen while steps ran (when sampleArgvMs is set). */
  readonly argv: string[];
  /** The workflow-level `concurrency` group, evaluated. */
  readonly concurrencyGroup: string | undefined;
}
