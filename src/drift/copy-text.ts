/**
 * PostgreSQL's COPY text format, as `pg_restore --data-only` prints a table's data from an
 * archive: one row per line, columns separated by tabs, `\N` for NULL and backslash escapes
 * (PostgreSQL documentation, COPY, "Text Format"). Each value is its type's output text in the
 * session pg_dump ran in, which sets DateStyle ISO, IntervalStyle postgres and
 * extra_float_digits 3 but not the time zone: a timestamptz is printed in the dumping session's
 * zone (observed: `2024-01-01 22:04:05.123456-05` for 03:04:05 UTC under PGTZ America/New_York),
 * so those values are brought to UTC before they are compared (utcTimestamp).
 */

/** `COPY public.routes (id, name, …) FROM stdin;` → the table and its columns, as dumped. */
export function copyHeader(line: string): { table: string; columns: string[] } | undefined {
  const match = /^COPY ((?:"(?:[^"]|"")+"|[^ ."]+)\.)?("(?:[^"]|"")+"|[^ ."]+) \((.*)\) FROM stdin;$/.exec(line);
  if (!match) return undefined;
  return { table: unquoteIdent(match[2]!), columns: splitIdents(match[3]!) };
}

function splitIdents(list: string): string[] {
  const names: string[] = [];
  for (const part of list.match(/"(?:[^"]|"")+"|[^, ]+/g) ?? []) names.push(unquoteIdent(part));
  return names;
}

function unquoteIdent(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** One data line's values, NULL as null. */
export function copyFields(line: string): (string | null)[] {
  return line.split('\t').map((field) => (field === '\\N' ? null : unescapeCopy(field)));
}

const SIMPLE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeCopy(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code.length > 1 && code[0] === 'x') return String.fromCharCode(parseInt(code.slice(1), 16));
    if (/^[0-7]+$/.test(code)) return String.fromCharCode(parseInt(code, 8));
    return SIMPLE[code] ?? code;
  });
}

/**
 * A timestamptz's ISO text in any zone (`2024-01-01 22:04:05.123456-05`, `…+05:30`) as the same
 * instant in UTC the way PostgreSQL prints it under TimeZone UTC (`2024-01-02 03:04:05.123456+00`).
 * Anything else (infinity, BC dates) is returned as it is.
 */
export function utcTimestamp(text: string): string {
  const match = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(text);
  if (!match) return text;
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om = '0', os = '0'] = match;
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os));
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offset * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(at.getUTCFullYear()).padStart(4, '0')}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}${fraction}+00`;
}
