import { unexpectedReply } from '../errors.js';
import { replyNumber, replyString } from './reply.js';
import type { InstanceKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';

const S = 'inbox-publish';

export type InboxPublishResult = { status: 'OK'; seq: number; entryId: string };

/**
 * Appends `payload` to an instance's inbox: sequence, replay-log entry and SPUBLISH of
 * `<seq>|<entryId>|<payload>` in one step on the target's slot. Receivers use `Inbox`, not this directly.
 */
export async function inboxPublish(
  runner: ScriptRunner,
  keys: InstanceKeys,
  args: { payload: string; now: number; retentionMs: number },
): Promise<InboxPublishResult> {
  const r = await runner.run(
    'inbox-publish',
    [keys.seq, keys.log, keys.inbox],
    [args.payload, args.now, args.retentionMs],
  );
  if (r[0] !== 'OK') throw unexpectedReply(S, r);
  return { status: 'OK', seq: replyNumber(S, r, 1), entryId: replyString(S, r, 2) };
}
