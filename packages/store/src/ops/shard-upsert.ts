import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import type { NodeRecordInput } from './node-record.js';
import { replyNumber } from './reply.js';
import { assertMemberSafe, type Reservation } from './reservation.js';

export function shardScriptKeys(k: ShardKeys): string[] {
  return [k.info, k.hb, k.free, k.res, k.used];
}

export type ShardUpsertResult = { status: 'OK'; free: number } | { status: 'STALE'; epoch: number };

/**
 * Adds or refreshes a node in a shard (fenced: a record with a higher epoch is never overwritten). `carried`
 * are reservations moved from the node's old shard (shard-remove's output) so a move keeps its load.
 */
export async function shardUpsert(
  runner: ScriptRunner,
  keys: ShardKeys,
  a: { nodeId: string; epoch: number; record: NodeRecordInput; now: number; carried?: Reservation[] },
): Promise<ShardUpsertResult> {
  assertMemberSafe('nodeId', a.nodeId);
  const s = 'shard-upsert';
  const r = await runner.run(s, shardScriptKeys(keys), [
    a.nodeId,
    a.epoch,
    JSON.stringify(a.record),
    a.now,
    JSON.stringify(a.carried ?? []),
  ]);
  switch (r[0]) {
    case 'OK':
      return { status: 'OK', free: replyNumber(s, r, 1) };
    case 'STALE':
      return { status: 'STALE', epoch: replyNumber(s, r, 1) };
    default:
      throw unexpectedReply(s, r);
  }
}
