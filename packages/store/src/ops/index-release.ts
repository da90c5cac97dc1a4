import { unexpectedReply } from '../errors.js';
import type { IndexKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { indexScriptKeys } from './index-assign.js';
import { replyNumber } from './reply.js';

export interface IndexReleaseResult {
  status: 'OK';
  version: number;
  /** A shard (and possibly its pool) was removed: version bumped, event published. */
  changed: boolean;
}

/** One node left `poolId`/`shard`; empties are removed from the index. Repeating it is harmless. */
export async function indexRelease(
  runner: ScriptRunner,
  keys: IndexKeys,
  a: { poolId: string; shard: number; now: number },
): Promise<IndexReleaseResult> {
  const s = 'index-release';
  const r = await runner.run(s, indexScriptKeys(keys), [a.poolId, a.shard, a.now]);
  if (r[0] !== 'OK') throw unexpectedReply(s, r);
  return { status: 'OK', version: replyNumber(s, r, 1), changed: r[2] === 1 };
}
