// `deck file convert` as decK does it, for tests that cannot download decK (this machine reaches
// only npm and Debian's apt). Written from Kong/deck at 4657ee37 (v1.65.1-13):
//   - cmd/file_convert.go: --from, --to, --input-file, --output-file, --yes, --no-expand-env-vars,
//     --format yaml|json; the pairs of convert/convert.go Convert();
//   - convert/convert.go convertKongGateway2xTo3x: each path of a route nested under a service
//     that does not start with "~/" and is regex-like (go-database-reconciler utils.IsPathRegexLike:
//     a character outside [a-zA-Z0-9._~/%-]) gets "~"; top-level routes are not visited;
//     _format_version becomes "3.0"; its messages;
//   - convert/convert.go convertKongGateway28xTo34x: the same, then updatePlugins
//     (convert/plugin_updates.go): blacklist → deny, whitelist → allow, pre/post-function
//     functions → access, aws-lambda proxy_scheme removed; "conflicting fields" when both have values.
// The 3.4 → 3.10 and 3.10 → 3.14 pairs are accepted and change nothing here (their Redis/AI and
// secure-by-default rewrites are not modelled). The output is YAML with _format_version first;
// real decK's key order differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
if (args[0] !== 'file' || args[1] !== 'convert') {
  console.error(`fake deck: unexpected command: ${args.join(' ')}`);
  process.exit(2);
}
const from = flag('--from');
const to = flag('--to');
const input = flag('--input-file');
const output = flag('--output-file');
const PAIRS = ['kong-gateway-2.x>kong-gateway-3.x', '2.8>3.4', '3.4>3.10', '3.10>3.14'];
if (!PAIRS.includes(`${from}>${to}`)) {
  console.error(`Error: cannot convert file from '${from}' to '${to}' format`);
  process.exit(1);
}
if (!input || !output || input === '-' || output === '-') {
  console.error('fake deck: give --input-file and --output-file');
  process.exit(2);
}
const content = parse(readFileSync(input, 'utf8')) ?? {};
const say = (text) => process.stdout.write(text);

if (from === 'kong-gateway-2.x' || from === '2.8') {
  const changed = [];
  for (const service of content.services ?? []) {
    for (const route of service.routes ?? []) {
      let hasChanged = false;
      route.paths = (route.paths ?? []).map((path) => {
        if (!path.startsWith('~/') && /[^a-zA-Z0-9._~/%-]/.test(path)) {
          hasChanged = true;
          return `~${path}`;
        }
        return path;
      });
      if (route.paths.length === 0) delete route.paths;
      if (hasChanged) changed.push(route.id ?? route.name);
    }
  }
  if (changed.length > 0) {
    say(`From the '${input}' config file,\n${changed.length} unsupported routes' paths format with Kong version 3.0\nor above were detected. Some of these routes are (not an exhaustive list):\n\n${changed.slice(0, 10).join('\n')}\n\nKong gateway versions 3.0 and above require that regular expressions\nstart with a '~' character to distinguish from simple prefix match.\nIn order to make these paths compatible with 3.x, a '~' prefix has been added.\n\n`);
  }
  say(`From the '${input}' config file,\nthe _format_version field has been migrated from '${content._format_version ?? ''}' to '3.0'.\n\n`);
  content._format_version = '3.0';
  if (from === '2.8') {
    const plugins = [...(content.plugins ?? [])];
    for (const service of content.services ?? []) {
      plugins.push(...(service.plugins ?? []));
      for (const route of service.routes ?? []) plugins.push(...(route.plugins ?? []));
    }
    for (const route of content.routes ?? []) plugins.push(...(route.plugins ?? []));
    for (const consumer of content.consumers ?? []) plugins.push(...(consumer.plugins ?? []));
    for (const plugin of plugins) updateLegacy(plugin);
  }
  say('\nThese automatic changes may not be correct or exhaustive enough, please\nperform a manual audit of the config file.\n\nFor related information, please visit:\nhttps://docs.konghq.com/deck/latest/3.0-upgrade\n\n');
}

const { _format_version: version, ...rest } = content;
const text = flag('--format') === 'json' ? JSON.stringify({ _format_version: version, ...rest }, null, 2) : stringify({ _format_version: version, ...rest });
writeFileSync(output, text);

function updateLegacy(plugin) {
  if (!plugin?.config) return;
  rename(plugin, 'blacklist', 'deny');
  rename(plugin, 'whitelist', 'allow');
  if (plugin.name === 'aws-lambda') delete plugin.config.proxy_scheme;
  if (plugin.name === 'pre-function' || plugin.name === 'post-function') rename(plugin, 'functions', 'access');
}

function rename(plugin, oldField, newField) {
  const config = plugin.config;
  if (!(oldField in config)) return;
  const value = config[oldField];
  delete config[oldField];
  const empty = (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  if (newField in config) {
    if (empty(value)) return;
    if (!empty(config[newField])) {
      console.error(`Error: conflicting fields: both legacy field "${oldField}" and new field "${newField}" have values in plugin ${plugin.name}`);
      process.exit(1);
    }
  }
  config[newField] = value;
  say(`Automatically converted legacy configuration field "${oldField}" to the new field "${newField}" in plugin ${plugin.name}\n`);
}
