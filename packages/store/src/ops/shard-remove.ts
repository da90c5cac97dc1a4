import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { replyJson, replyNumber } from './reply.js';
import type { Reservation } from './reservation.js';
import { shardScriptKeys } from './shard-upsert.js';

export type ShardRemoveResult =
  | { status: 'OK'; remainingNodes: number; reservations: Reservation[] }
  | { status: 'STALE'; epoch: number }
  | { status: 'GONE' };

/**
 * Removes a node from its shard with all its reservations, which are returned (to carry to a new shard or to
 * fail their jobs over). `epoch: '*'` removes whatever registration is there (sweeps, takeover).
 */
export async function shardRemove(
  runner: ScriptRunner,
  keys: ShardKeys,
  a: { nodeId: string; epoch: number | '*'; now: number },
): Promise<ShardRemoveResult> {
  const s = 'shard-remove';
  const r = await runner.run(s, shardScriptKeys(keys), [a.nodeId, a.epoch, a.now]);
  switch (r[0]) {
    case 'OK': {
      const list = replyJson<unknown>(s, r, 2);
      return {
        status: 'OK',
        remainingNodes: replyNumber(s, r, 1),
        reservations: Array.isArray(list) ? (list as Reservation[]) : [],
      };
    }
    case 'STALE':
      return { status: 'STALE', epoch: replyNumber(s, r, 1) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply(s, r);
  }
}
