/**
 * The one error type of the suite. Every failure a user sees names either the input that was
 * wrong (and what it accepts) or the step that failed, so an action can turn it into one clear
 * `core.setFailed` line and the CLI into one stderr line.
 */
export type ErrorOrigin = { readonly input: string } | { readonly step: string };

export class UpgradeError extends Error {
  readonly origin: ErrorOrigin;
  /** The HTTP status a server answered when that answer is the failure: callers tell a 404 from the rest by it, never by the text. */
  readonly httpStatus: number | undefined;

  constructor(origin: ErrorOrigin, detail: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(`${describeOrigin(origin)}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpgradeError';
    this.origin = origin;
    this.httpStatus = options?.httpStatus;
  }
}

function describeOrigin(origin: ErrorOrigin): string {
  return 'input' in origin ? `input '${origin.input}'` : origin.step;
}

export function inputError(input: string, detail: string, cause?: unknown): UpgradeError {
  return new UpgradeError({ input }, detail, cause === undefined ? undefined : { cause });
}

export function stepError(step: string, detail: string, cause?: unknown): UpgradeError {
  return new UpgradeError({ step }, detail, cause === undefined ? undefined : { cause });
}

/** A step that failed because a server answered `status`. */
export function httpError(step: string, status: number, detail: string): UpgradeError {
  return new UpgradeError({ step }, detail, { httpStatus: status });
}

/** One line for the user: our own errors as they are, anything else with its type kept. */
export function errorMessage(error: unknown): string {
  if (error instanceof UpgradeError) return error.message;
  if (error instanceof Error) return `unexpected ${error.name}: ${error.message}`;
  return `unexpected failure: ${String(error)}`;
}
