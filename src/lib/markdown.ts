/**
 * Markdown building blocks for job summaries and the CLI's markdown output. Plain strings, so
 * the domain can produce a report that an adapter writes with `core.summary` or prints.
 */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

export function bulletList(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}

/** The runner refuses a step summary over 1 MiB; keep well under and say what was cut. */
export const SUMMARY_LIMIT_BYTES = 900 * 1024;

export function fitToLimit(sections: readonly string[], limitBytes: number, cutNotice: string): string {
  const kept: string[] = [];
  let size = 0;
  for (const section of sections) {
    const bytes = Buffer.byteLength(section, 'utf8') + 2;
    if (size + bytes > limitBytes - Buffer.byteLength(cutNotice, 'utf8')) {
      kept.push(cutNotice);
      break;
    }
    kept.push(section);
    size += bytes;
  }
  return kept.join('\n\n');
}
