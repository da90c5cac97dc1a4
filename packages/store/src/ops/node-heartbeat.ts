import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import type { NodeStatus, NodeUsage } from './node-record.js';
import { replyNumber, replyString } from './reply.js';
import { shardScriptKeys } from './shard-upsert.js';

export interface NodeHeartbeatArgs {
  nodeId: string;
  epoch: number;
  now: number;
  usage: NodeUsage;
  /** Core services running and a GPU present. */
  healthy: boolean;
  /** Healthy streak that turns `registering` into `ready`. */
  readyAfter: number;
  /** Unhealthy streak that turns `ready` into `degraded`. */
  degradeAfter: number;
  /** Jobs the node says it runs; lowers free slots when above the live reservations. */
  running?: number;
}

export type NodeHeartbeatResult =
  | { status: 'OK'; nodeStatus: NodeStatus; prevStatus: NodeStatus; free: number }
  | { status: 'STALE'; epoch: number }
  | { status: 'GONE' };

/** One heartbeat: liveness, usage, streaks, status transition, free slots (0 unless ready). */
export async function nodeHeartbeat(
  runner: ScriptRunner,
  keys: ShardKeys,
  a: NodeHeartbeatArgs,
): Promise<NodeHeartbeatResult> {
  const s = 'node-heartbeat';
  const r = await runner.run(s, shardScriptKeys(keys), [
    a.nodeId,
    a.epoch,
    a.now,
    JSON.stringify(a.usage),
    a.healthy ? 1 : 0,
    a.readyAfter,
    a.degradeAfter,
    a.running ?? '',
  ]);
  switch (r[0]) {
    case 'OK':
      return {
        status: 'OK',
        nodeStatus: replyString(s, r, 1) as NodeStatus,
        prevStatus: replyString(s, r, 2) as NodeStatus,
        free: replyNumber(s, r, 3),
      };
    case 'STALE':
      return { status: 'STALE', epoch: replyNumber(s, r, 1) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply(s, r);
  }
}
