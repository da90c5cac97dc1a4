import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { replyNumber, replyString } from './reply.js';

export interface ShardCensus {
  /** Nodes in the free zset, i.e. ready nodes (a full node stays in it with score 0). */
  ready: number;
  /** Free slots summed over the ready nodes. */
  freeSlots: number;
  /** Nodes whose last heartbeat is older than the cutoff, at most `limit` of them. */
  silent: string[];
}

/** The sweep's view of one shard in one small reply (no per-node data crosses the wire). */
export async function shardCensus(
  runner: ScriptRunner,
  keys: ShardKeys,
  a: { silentBefore: number; limit: number },
): Promise<ShardCensus> {
  const s = 'shard-census';
  const r = await runner.run(s, [keys.hb, keys.free], [a.silentBefore, a.limit]);
  if (r[0] !== 'OK') throw unexpectedReply(s, r);
  const silent: string[] = [];
  for (let i = 3; i < r.length; i++) silent.push(replyString(s, r, i));
  return { ready: replyNumber(s, r, 1), freeSlots: replyNumber(s, r, 2), silent };
}
