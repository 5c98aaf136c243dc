import { inputError } from '../lib/errors.js';
import type { KongConfDefaults } from './kong-conf-default.js';

export { parseKongConfDefault, type KongConfDefaults } from './kong-conf-default.js';

/** The input name errors about a user's kong.conf point at. */
export const KONG_CONF_INPUT = 'kong-conf';

export interface KongConfSetting {
  readonly value: string;
  /** 1-based line in the user's file, for `where` in impact reports. */
  readonly line: number;
  /** The file it was read from when not the kong.conf itself (a kong-env file). */
  readonly file?: string;
}

/** A user's kong.conf: the properties it sets, each with its value as Kong would read it. */
export type UserKongConf = ReadonlyMap<string, KongConfSetting>;

const SETTING = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

// Kong strips an inline comment from each value: an unescaped `#` and everything after it,
// with the whitespace before it, then turns `\#` into `#` (kong/conf_loader/init.lua,
// load_config → strip_comments, regex `\s*(?<!\\)#.*$`). So `a#b` reads as `a`, too.
const INLINE_COMMENT = /\s*(?<!\\)#.*$/;

/**
 * Parses a kong.conf the way Kong reads it (pl.config with `smart = false`, then the comment
 * stripping above): blank lines and lines starting with `#` are skipped, a later setting of the
 * same key wins. Penlight would silently keep a line that is not `key = value`; such a line is
 * almost always a typo, so it is an error here, naming the line.
 */
export function parseUserKongConf(text: string, input = KONG_CONF_INPUT): UserKongConf {
  const settings = new Map<string, KongConfSetting>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = SETTING.exec(line);
    if (!match) {
      // Only the leading name is quoted: the rest may be a secret (`pg_password: s3cret`), and
      // the conf is parsed before any of its values could be masked.
      const name = /^[A-Za-z0-9_.-]*/.exec(line)![0];
      throw inputError(input, `line ${index + 1} is not \`key = value\` or a \`#\` comment${name ? ` (it begins "${name.slice(0, 60)}")` : ''}; the rest of the line is not shown, as a kong.conf holds passwords`);
    }
    const value = match[2]!.replace(INLINE_COMMENT, '').replaceAll('\\#', '#').trim();
    settings.set(match[1]!, { value, line: index + 1 });
  });
  return settings;
}

// Names whose values are secrets or key material (`pg_password`, `cassandra_password`,
// `vault_hcv_token`, `ssl_cert_key`, `admin_gui_auth_conf` with its client secret, inline PEM
// certificates), matched as `_`-separated words, with or without the KONG_ prefix of their
// environment variable. Too wide is harmless: a value not quoted.
const SECRET_WORDS = /(?:^|_)(?:password|passwd|secret|token|key|keys|cert|certificate|credential|credentials|private|license_data|auth_conf|session_conf)(?:_|$)/;

// What Kong itself hides beyond those words (Kong/kong 3.4.2, kong/conf_loader/init.lua,
// CONF_SENSITIVE): a proxy URL may hold credentials, a declarative config any secret.
const KONG_SENSITIVE = new Set(['proxy_server', 'declarative_config_string']);

/** A setting whose value is never quoted in a finding, a log or the plan, and is masked when read. */
export function isSecretSetting(name: string): boolean {
  const key = name.toLowerCase().replace(/^kong_/, '');
  return SECRET_WORDS.test(key) || KONG_SENSITIVE.has(key);
}

/** `name = value` for a finding, or the name alone when the value is a secret. */
export function describeSetting(name: string, setting: KongConfSetting): string {
  return isSecretSetting(name) ? `\`${name}\` (its value is not shown: a secret or key setting)` : `\`${name} = ${setting.value}\``;
}

/** Masks (through `mask`) the value of every secret setting of a user's kong.conf. */
export function maskSecretSettings(conf: UserKongConf, mask: (secret: string) => void): void {
  for (const [name, setting] of conf) if (setting.value !== '' && isSecretSetting(name)) mask(setting.value);
}

export interface KongConfDiff {
  readonly added: readonly { name: string; default: string }[];
  readonly removed: readonly { name: string; default: string }[];
  readonly defaultChanged: readonly { name: string; from: string; to: string }[];
}

/** What changed from the defaults of `a` to those of `b`, each list in its file's order. */
export function diffKongConf(a: KongConfDefaults, b: KongConfDefaults): KongConfDiff {
  const added = [...b].filter(([name]) => !a.has(name)).map(([name, value]) => ({ name, default: value }));
  const removed = [...a].filter(([name]) => !b.has(name)).map(([name, value]) => ({ name, default: value }));
  const defaultChanged = [...b].flatMap(([name, to]) => {
    const from = a.get(name);
    return from === undefined || from === to ? [] : [{ name, from, to }];
  });
  return { added, removed, defaultChanged };
}
