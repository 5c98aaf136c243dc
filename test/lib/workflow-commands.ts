/**
 * The lines of an action's output the runner would act on as workflow commands: after leading
 * blanks a `::name …::` (v2), or `##[name …]` anywhere in the line (v1), both still parsed
 * (actions/runner src/Runner.Common/ActionCommand.cs TryParseV2 and TryParse, tried in that
 * order by src/Runner.Worker/ActionCommandManager.cs). Lines split as the runner reads them.
 */
export function commandLines(printed: string): string[] {
  return printed.split(/\r\n|\r|\n/).filter((line) => /^::[\w-]+[ :]/.test(line.trimStart()) || /##\[[\w-]+[ \]]/.test(line));
}

/** Commands an action issues on purpose; anything else in its output came from a value. */
const OURS = /^::(add-mask|error|warning|notice|debug|group|endgroup)(::| )/;

/** Command lines that an action did not mean to issue. */
export function injectedCommands(printed: string): string[] {
  return commandLines(printed).filter((line) => !OURS.test(line));
}
