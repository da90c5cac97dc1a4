import { StoreError, unexpectedReply } from '../errors.js';
import { replyNumber, replyString } from './reply.js';
import type { InstanceKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';

const S = 'inbox-publish';

export type InboxPublishResult = { status: 'OK'; firstSeq: number; entryIds: string[] };

/**
 * Appends `payloads` (at least one) to an instance's inbox in order: per payload a sequence, a replay-log entry
 * and an SPUBLISH of `<seq>|<entryId>|<payload>`, all in one step on the target's slot. Receivers use `Inbox`,
 * not this directly; senders too (it batches per event-loop turn).
 */
export async function inboxPublish(
  runner: ScriptRunner,
  keys: InstanceKeys,
  args: { payloads: readonly string[]; now: number; retentionMs: number },
): Promise<InboxPublishResult> {
  if (args.payloads.length === 0) throw new StoreError('INVALID_ARGUMENT', 'inbox-publish: no payload');
  const r = await runner.run(
    'inbox-publish',
    [keys.seq, keys.log, keys.inbox],
    [args.now, args.retentionMs, ...args.payloads],
  );
  if (r[0] !== 'OK' || r.length !== args.payloads.length + 2) throw unexpectedReply(S, r);
  const entryIds: string[] = [];
  for (let i = 2; i < r.length; i++) entryIds.push(replyString(S, r, i));
  return { status: 'OK', firstSeq: replyNumber(S, r, 1), entryIds };
}
