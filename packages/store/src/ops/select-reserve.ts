import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { replyNumber, replyString } from './reply.js';
import { assertMemberSafe, reservationMember } from './reservation.js';
import { shardScriptKeys } from './shard-upsert.js';

export interface SelectReserveArgs {
  now: number;
  /** Non-negative integer that breaks ties among equally loaded nodes (random per call in production). */
  seed: number;
  /** Nodes silent for longer are dropped from selection (marked offline until they heartbeat again). */
  livenessTtlMs: number;
  reservationTtlMs: number;
  sessionId: string;
  jobId: string;
  attempt: number;
  /** Preferred node when it has a free slot. */
  affinityNodeId?: string;
  /** Nodes that must not be chosen (e.g. the ones a retried job already failed on). */
  exclude?: readonly string[];
  /** The session's tenant: private nodes of the same tenant may serve it. */
  tenant?: string;
  /** Hash of the pairing code the session presented: the private node holding that code may serve it. */
  pairingHash?: string;
}

export type SelectReserveResult =
  | { status: 'OK'; nodeId: string; owner: string; epoch: number; freeLeft: number; member: string }
  | { status: 'NO_CAPACITY' }
  | { status: 'EMPTY' };

/**
 * Picks a node of the shard and reserves one slot on it, atomically. Private nodes (record `public: false`) are
 * chosen only for a session of their tenant or one that presented their pairing code.
 */
export async function selectReserve(
  runner: ScriptRunner,
  keys: ShardKeys,
  a: SelectReserveArgs,
): Promise<SelectReserveResult> {
  assertMemberSafe('sessionId', a.sessionId);
  assertMemberSafe('jobId', a.jobId);
  const s = 'select-reserve';
  const r = await runner.run(s, shardScriptKeys(keys), [
    a.now,
    Math.max(0, Math.floor(a.seed)),
    a.livenessTtlMs,
    a.reservationTtlMs,
    a.sessionId,
    a.jobId,
    a.attempt,
    a.affinityNodeId ?? '',
    JSON.stringify(a.exclude ?? []),
    a.tenant ?? '',
    a.pairingHash ?? '',
  ]);
  switch (r[0]) {
    case 'OK': {
      const nodeId = replyString(s, r, 1);
      return {
        status: 'OK',
        nodeId,
        owner: replyString(s, r, 2),
        epoch: replyNumber(s, r, 3),
        freeLeft: replyNumber(s, r, 4),
        member: reservationMember({ nodeId, sessionId: a.sessionId, jobId: a.jobId, attempt: a.attempt }),
      };
    }
    case 'NO_CAPACITY':
      return { status: 'NO_CAPACITY' };
    case 'EMPTY':
      return { status: 'EMPTY' };
    default:
      throw unexpectedReply(s, r);
  }
}
