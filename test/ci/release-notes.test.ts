import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { releaseNotes } from '../../scripts/release-notes.mjs';
import { REPO_ROOT } from '../helpers/paths.js';

const CHANGELOG = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '- next',
  '',
  '## [1.2.0] - 2026-12-01',
  '### Added',
  '- rolling upgrades',
  '',
  '## [1.1.0] - 2026-11-01',
  '- first',
  '',
  '## [1.0.0]',
  '',
].join('\n');

describe('release notes from CHANGELOG.md', () => {
  it('take the tag version\'s section only, without its heading', () => {
    expect(releaseNotes(CHANGELOG, 'v1.2.0')).toBe('### Added\n- rolling upgrades');
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('- first');
  });

  it('are refused for a missing or empty section', () => {
    expect(releaseNotes(CHANGELOG, 'v1.3.0')).toBeNull();
    expect(releaseNotes(CHANGELOG, 'v1.0.0')).toBeNull();
  });

  it('the script exits 1 naming the version when the section is missing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'notes-'));
    const file = path.join(dir, 'CHANGELOG.md');
    writeFileSync(file, CHANGELOG);
    const script = path.join(REPO_ROOT, 'scripts/release-notes.mjs');
    expect(execFileSync('node', [script, 'v1.2.0', file], { encoding: 'utf8' })).toBe('### Added\n- rolling upgrades\n');
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync('node', [script, 'v9.9.9', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain('"## [9.9.9]"');
  });
});
