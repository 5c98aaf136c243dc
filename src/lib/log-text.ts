/**
 * Text bound for a runner's log, made safe to print. The runner reads every line an action
 * prints for workflow commands: a line that starts with `::` after its leading blanks (the v2
 * form), or that holds `##[` anywhere (the v1 form, still parsed), both in
 * actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2, TryParse) and tried in that
 * order by src/Runner.Worker/ActionCommandManager.cs. So a value with a line break (an input, a
 * Kong error body) could print `::stop-commands::…`, `::add-mask::…` or a fake `::error::` of
 * its own. Every value an action logs goes through here: its line breaks become visible `\n`
 * escapes, so it stays on its line, and what would read as a command is disarmed.
 */

// C0 controls except tab, DEL, and the other characters a reader may take for a line break.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g;

function escapeControl(char: string): string {
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A line that cannot be read as a workflow command: a backslash before `::` and in `##[`. */
function disarm(line: string): string {
  return line.replace(/^(\s*)::/, '$1\\::').replaceAll('##[', '##\\[');
}

/** One log line: control characters escaped (so it stays one line), commands disarmed. */
export function logLine(text: string): string {
  return disarm(text.replace(CONTROL, escapeControl));
}

/** Text whose line breaks are its own (a rendered Job manifest): each line disarmed. */
export function logLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map(logLine);
}

/**
 * A body another system sent (an error page, a Kong message, a socket's answer) for an error
 * message: cut to `max` characters and quoted as a JSON string, so its line breaks and control
 * characters show as escapes wherever the message goes (log, annotation, summary).
 */
export function quoteRemote(body: string, max = 200): string {
  const cut = body.length > max ? `${body.slice(0, max)}…` : body;
  return JSON.stringify(cut).replace(/[\u0085\u2028\u2029]/g, escapeControl);
}

/** True when the text holds a line break or another control character (tab aside). */
export function hasControl(text: string): boolean {
  return /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/.test(text);
}
