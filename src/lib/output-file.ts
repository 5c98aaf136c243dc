import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError } from './errors.js';

/**
 * Writes a file whose path an input gives (fetch-changelog's plan-file, smoke-test's
 * report-file), creating its folder. A failure (a folder that is a file, no permission, a full
 * disk) names the input rather than surfacing as an unexpected EACCES.
 */
export async function writeInputFile(file: string, text: string, input: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  } catch (error) {
    throw inputError(input, `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
  }
}
