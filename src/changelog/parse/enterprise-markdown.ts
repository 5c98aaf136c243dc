import type { Release } from '../types.js';
import { parseChangelogMarkdown } from './oss-markdown.js';

/**
 * The legacy Enterprise changelog (docs.konghq.com `app/gateway/changelog.md`, last at
 * `fb0334b0c3`): `## X.Y.Z.N` (sometimes with trailing spaces), a `**Release Date** YYYY/MM/DD`
 * line, `### <Type>` sections and `#### <Scope>`, plugin items nesting their changes as
 * sub-bullets. That is the OSS shape one level shallower, so the OSS walk reads it unchanged;
 * the Jekyll front matter lexes as a rule and a non-version heading, which the walk skips.
 */
export function parseEnterpriseChangelogMarkdown(
  markdown: string,
  source = 'Kong Enterprise changelog markdown',
): Release[] {
  return parseChangelogMarkdown(markdown, source);
}
