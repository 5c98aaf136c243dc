import path from 'node:path';
import { compareKongVersions, parseKongVersion, releaseLine } from '../../version/kong-version.js';
import { crosses } from './crossing.js';
import type { DeclarativeConsumer, Impact, ImpactContext, ImpactRule } from './types.js';

/** decK and Kong write the 3.x declarative format as "3.0" (facts declarative-consumers.md). */
export function isFormat3(formatVersion: string | undefined): boolean {
  return formatVersion === '3.0';
}

/** Names the consumer in a finding when the plan reports both (it could not tell which). */
export function consumerLabel(context: Pick<ImpactContext, 'declarativeConsumers'>, consumer: DeclarativeConsumer): string {
  if (context.declarativeConsumers.length < 2) return '';
  return consumer === 'deck' ? ' (if decK syncs this file)' : ' (if Kong loads this file DB-less)';
}

const LTS_34 = parseKongVersion('3.4.0');

/**
 * The `deck file convert` for a 2.x file on its way to 3.x, input and output named (facts
 * upgrade-paths-helm-operator-deck.md §5.3: always pass both). From 2.8 to 3.4 or later the
 * LTS converter also rewrites the removed plugin fields; it needs decK 1.47 (developer.konghq.com
 * deck/file/convert).
 */
export function convertRemedy(context: Pick<ImpactContext, 'from' | 'to'>, file: string | undefined): string {
  const input = file === undefined ? 'kong.yaml' : path.basename(file);
  const output = input.replace(/(\.[^.]*)?$/, (ext) => `-3.x${ext}`);
  const io = `--input-file ${input} --output-file ${output}`;
  if (releaseLine(context.from) === '2.8' && compareKongVersions(context.to, LTS_34) >= 0) {
    return `\`deck file convert --from 2.8 --to 3.4 ${io}\` with decK 1.47 or later (it also moves blacklist/whitelist, functions and proxy_scheme)`;
  }
  return `\`deck file convert --from kong-gateway-2.x --to kong-gateway-3.x ${io}\``;
}

/**
 * decK refuses every declarative file whose `_format_version` is not 3.0 once the Kong it talks
 * to is 3.0 or later, before sending anything ("cannot apply '<v>' config format version to
 * Kong version 3.0 or above"; Kong/deck cmd/common.go), whatever the file's paths.
 */
export const declarativeFormatVersion: ImpactRule = {
  id: 'declarative-format-version',
  check(context) {
    if (!crosses(context, '3.0.0') || !context.declarativeConsumers.includes('deck')) return [];
    return context.entities.flatMap((set): Impact[] => {
      if (set.source !== 'declarative' || isFormat3(set.formatVersion)) return [];
      const version = set.formatVersion === undefined ? 'no `_format_version`' : `\`_format_version: "${set.formatVersion}"\``;
      return [
        {
          rule: 'declarative-format-version',
          severity: 'error',
          title: `decK refuses this file against Kong 3.x: ${set.formatVersion === undefined ? 'no format version' : `format ${set.formatVersion}`}${consumerLabel(context, 'deck')}`,
          detail: `${set.file}: ${version}. decK stops before sending anything when the file is not in format 3.0 and Kong is 3.0 or later ("cannot apply … config format version to Kong version 3.0 or above"), whether or not its paths are regexes.`,
          where: set.file,
          remedy: `Convert it: ${convertRemedy(context, set.file)}; review the result, then \`deck gateway diff\` against the upgraded cluster before any sync.`,
        },
      ];
    });
  },
};
