import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import type { NodeStatus } from './node-record.js';
import { replyNumber, replyString } from './reply.js';

export type NodeSetStatusResult =
  | { status: 'OK'; prevStatus: NodeStatus; free: number }
  | { status: 'STALE'; epoch: number }
  | { status: 'GONE' };

/** Sets a node's status by command (drain, offline, resume); `ready` puts it back in selection. */
export async function nodeSetStatus(
  runner: ScriptRunner,
  keys: ShardKeys,
  a: { nodeId: string; epoch: number; status: NodeStatus; now: number },
): Promise<NodeSetStatusResult> {
  const s = 'node-set-status';
  const r = await runner.run(s, [keys.info, keys.free, keys.used], [a.nodeId, a.epoch, a.status, a.now]);
  switch (r[0]) {
    case 'OK':
      return { status: 'OK', prevStatus: replyString(s, r, 1) as NodeStatus, free: replyNumber(s, r, 2) };
    case 'STALE':
      return { status: 'STALE', epoch: replyNumber(s, r, 1) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply(s, r);
  }
}
