import { UpgradeError } from '../lib/errors.js';
import { bootstrapCommand, checkCommand, finishCommand, listCommand, renderOnly, upAndFinishCommand, upCommand } from './commands.js';
import { resolveHops } from './hops.js';
import { validateRequest, type MigrateLog, type MigrateRequest } from './request.js';
import { Session, type MigrateResult } from './session.js';

/**
 * The migrate domain: Kong's two-phase migrations (`up`, then once the new nodes are validated
 * `finish`; runbook steps 7 and 13), gated and hop by hop. Every Kong command is preceded and
 * followed by a state read (state.ts), so each step knows where the database stands and can
 * say exactly what happened.
 */

/**
 * Runs the request. Input and gate errors before anything changed are thrown; once a Kong
 * command has run, a failure comes back in `failure` with the state after it, so the adapter
 * can still publish `state-after` and the summary.
 */
export async function migrate(request: MigrateRequest, log: MigrateLog): Promise<MigrateResult> {
  validateRequest(request);
  const session = new Session(log);
  if (request.force) {
    session.warn(
      'force is on: `kong migrations up -f` re-runs every executed migration and skips Kong\'s own pending-migrations guard, and this action skips its refusal of pending migrations too. Use it only for what Kong documents it for (plugins added to an existing database).',
    );
  }
  if (request.plugins === undefined) {
    session.warn('plugins is not set: Kong migrates the subsystems of its default plugin list (`bundled`, or the kong.conf\'s). It must be the same list as the runtime nodes\' KONG_PLUGINS, custom plugins included.');
  }
  const hops = await resolveHops(request, session);
  session.hops = hops.map((hop) => hop.label);

  if (request.render) return renderOnly(request, hops, session);

  try {
    switch (request.command) {
      case 'list':
        return await listCommand(request, hops, session);
      case 'check':
        return await checkCommand(request, hops, session);
      case 'bootstrap':
        return await bootstrapCommand(request, hops, session);
      case 'up':
        return await upCommand(request, hops, session);
      case 'finish':
        return await finishCommand(request, hops, session);
      case 'up-and-finish':
        return await upAndFinishCommand(request, hops, session);
    }
  } catch (error) {
    // Refusals before any Kong command changed something are plain errors; after one ran, the
    // state after is part of the answer.
    if (error instanceof UpgradeError && session.commands.length > 0) return session.result(request.command, 'failed', error);
    throw error;
  }
}
