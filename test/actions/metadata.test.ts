import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

// Every action.yml as the runner reads it: the runner passes each default as if the workflow
// had set it, so a shared connection input with a default looks "given" on every run (pg-port
// once made every step fail with "give either database-url or the pg-* inputs").
const actions = readdirSync(path.join(REPO_ROOT, 'actions'));

describe.each(actions)('actions/%s/action.yml', (name) => {
  const metadata = parse(readFileSync(path.join(REPO_ROOT, 'actions', name, 'action.yml'), 'utf8')) as {
    runs: { using: string; main: string };
    inputs?: Record<string, { default?: unknown; description?: string }>;
  };

  it('runs on node24 from its committed bundle', () => {
    expect(metadata.runs.using).toBe('node24');
    expect(metadata.runs.main).toBe(`../../dist/${name}/index.js`);
  });

  it('gives no default to an input that means "use this connection"', () => {
    const defaulted = Object.entries(metadata.inputs ?? {})
      .filter(([input, spec]) => /^(target-)?(database-url|pg-)/.test(input) && spec.default !== undefined)
      .map(([input]) => input);
    expect(defaulted).toEqual([]);
  });

  it('describes every input', () => {
    const undocumented = Object.entries(metadata.inputs ?? {}).filter(([, spec]) => !spec.description).map(([input]) => input);
    expect(undocumented).toEqual([]);
  });
});
