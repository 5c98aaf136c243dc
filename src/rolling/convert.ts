import type { DeckRelease } from '../lib/deck-release.js';
import { stepError } from '../lib/errors.js';
import { details, escapeCell, table } from '../lib/markdown.js';
import { convertDeclarative, countEntities, describeChanges, readDeclarative, type Conversion } from './declarative.js';
import { describeCounts } from './node-checks.js';
import type { ConvertRequest } from './request.js';

/**
 * The roll action's `convert`: the DB-less nodes' declarative file taken to the target with
 * decK, and what changed laid out for the reviewers who approve production (the job summary).
 * The conversion must keep every entity: a converted file holding fewer is refused.
 */
export interface ConversionResult extends Conversion {
  readonly request: ConvertRequest;
  readonly before: Readonly<Record<string, number>>;
  readonly after: Readonly<Record<string, number>>;
  readonly changes: readonly string[];
  readonly deckVersion: string | undefined;
}

export async function runConversion(
  request: ConvertRequest,
  install: (release: DeckRelease) => Promise<{ readonly path: string; readonly version: string }>,
  log: (line: string) => void,
): Promise<ConversionResult> {
  const original = await readDeclarative(request.input, 'declarative-config');
  const deck = request.deck === undefined ? undefined : await install(request.deck);
  if (request.steps.length === 0) log('No hop of the plan changes the declarative format: the file is used as it is');
  const conversion = await convertDeclarative({ deck, input: request.input, output: request.output, steps: request.steps, log });
  const converted = await readDeclarative(conversion.output, 'converted-config');
  const before = countEntities(original.document);
  const after = countEntities(converted.document);
  const lost = Object.entries(before).filter(([type, n]) => (after[type] ?? 0) < n);
  if (lost.length > 0) {
    throw stepError('deck file convert', `the converted file holds fewer entities than the original: ${lost.map(([type, n]) => `${type} ${after[type] ?? 0} of ${n}`).join(', ')}`);
  }
  return { ...conversion, request, before, after, changes: describeChanges(original.document, converted.document), deckVersion: deck?.version };
}

export function renderConversionSummary(result: ConversionResult): string {
  const steps = result.request.steps;
  const head =
    steps.length === 0
      ? '### Declarative configuration: no conversion needed\n\nNo hop of the plan changes the declarative format; the new nodes load the file as it is.'
      : `### Declarative configuration converted with decK ${result.deckVersion}\n\n${table(
          ['Hop', 'Command'],
          steps.map((step) => [step.hop, `\`deck file convert --from ${step.from} --to ${step.to}\``]),
        )}`;
  const counts = `Entities: ${describeCounts(result.after)} (the original: ${describeCounts(result.before)}).`;
  const changes =
    result.changes.length === 0
      ? 'The conversion changed nothing.'
      : details(`What changed (${result.changes.length}${result.changes.length >= 200 ? '+' : ''})`, table(['Change'], result.changes.map((line) => [escapeCell(line)])));
  const notes = result.notes.filter((note) => note.lines.length > 0).map((note) => details(`decK's notes for ${note.step.from} → ${note.step.to} (audit these by hand)`, `\`\`\`\n${note.lines.join('\n').replace(/```/g, '`\u200b``')}\n\`\`\``));
  return [head, counts, changes, ...notes].join('\n\n');
}
