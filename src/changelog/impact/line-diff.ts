/** One run of changed lines between two texts; lines are compared with outer whitespace trimmed. */
export interface Hunk {
  /** 1-based line in the new text where the hunk starts (where it would be inserted, if empty). */
  readonly toLine: number;
  readonly removed: readonly string[];
  readonly added: readonly string[];
  /** The last unchanged line before the hunk, to find the spot in another copy of the text. */
  readonly anchor: string | undefined;
}

/**
 * A line-level diff by longest common subsequence. Kong's nginx templates have a few hundred
 * lines, so the quadratic table is small; indentation is ignored because operators re-indent.
 */
export function diffLines(oldText: string, newText: string): Hunk[] {
  const a = oldText.split(/\r?\n/).map((line) => line.trim());
  const b = newText.split(/\r?\n/).map((line) => line.trim());
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let anchor: string | undefined;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      if (a[i] !== '') anchor = a[i];
      i++;
      j++;
      continue;
    }
    const toLine = j + 1;
    const removed: string[] = [];
    const added: string[] = [];
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) break;
      if (j < b.length && (i === a.length || lcs[i * width + j + 1]! >= lcs[(i + 1) * width + j]!)) added.push(b[j++]!);
      else removed.push(a[i++]!);
    }
    hunks.push({ toLine, removed, added, anchor });
  }
  return hunks;
}
