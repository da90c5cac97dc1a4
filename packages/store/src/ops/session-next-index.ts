import { unexpectedReply } from '../errors.js';
import { replyNumber } from './reply.js';
import type { SessionKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';

export type SessionNextIndexResult = { status: 'OK'; index: number } | { status: 'STALE' };

/**
 * The next utterance index (0, 1, 2, …) for the owner holding `epoch`; `STALE` once another instance has claimed
 * the session (or it is gone), so a deposed owner can never hand out an index twice.
 */
export async function sessionNextIndex(
  runner: ScriptRunner,
  keys: SessionKeys,
  args: { epoch: number },
): Promise<SessionNextIndexResult> {
  const r = await runner.run('session-next-index', [keys.session], [args.epoch]);
  switch (r[0]) {
    case 'OK':
      return { status: 'OK', index: replyNumber('session-next-index', r, 1) };
    case 'STALE':
      return { status: 'STALE' };
    default:
      throw unexpectedReply('session-next-index', r);
  }
}
