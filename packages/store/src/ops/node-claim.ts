import { unexpectedReply } from '../errors.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { replyNumber, replyString } from './reply.js';

export interface NodeClaimArgs {
  nodeId: string;
  instanceId: string;
  now: number;
  /** Epoch the caller read before deciding; omitted = do not check. */
  expectedEpoch?: number;
  /** Whether the current holder's socket is alive. */
  holderLive: boolean;
  /** Hash of the node token the node presented, if any. */
  tokenHash?: string;
  /** Hash of the subject of the claimant's credential; omitted for an anonymous claimant. */
  subjectHash?: string;
  /** Token hash to store when the node has none yet. */
  newTokenHash?: string;
  /** The claimant's credential names exactly this node id. */
  bound?: boolean;
  /** An identity that exists needs proof even when its holder is gone (authentication on). */
  strict?: boolean;
  /**
   * A private registration: the pairing code to keep when the identity has none yet. The claim answers with the
   * identity's code (this one, or the one issued before). Omitted for a public registration.
   */
  newPairingCode?: string;
}

export type NodeClaimResult =
  | {
      status: 'OK';
      epoch: number;
      prevOwner: string;
      prevEpoch: number;
      /** Where the node was placed before ('' / -1 = never placed). */
      prevPool: string;
      prevShard: number;
      /** The identity's pairing code; '' for a public registration. */
      pairingCode: string;
    }
  | { status: 'CONFLICT'; owner: string; epoch: number }
  | { status: 'STALE'; epoch: number };

/** Claims a node id for this instance: epoch+1, owner = instanceId, unless the identity policy refuses it. */
export async function nodeClaim(
  runner: ScriptRunner,
  nodeKey: string,
  a: NodeClaimArgs,
): Promise<NodeClaimResult> {
  const s = 'node-claim';
  const r = await runner.run(
    s,
    [nodeKey],
    [
      a.nodeId,
      a.instanceId,
      a.now,
      a.expectedEpoch ?? '',
      a.holderLive ? 1 : 0,
      a.tokenHash ?? '',
      a.subjectHash ?? '',
      a.newTokenHash ?? '',
      a.bound ? 1 : 0,
      a.strict ? 1 : 0,
      a.newPairingCode ?? '',
    ],
  );
  switch (r[0]) {
    case 'OK':
      return {
        status: 'OK',
        epoch: replyNumber(s, r, 1),
        prevOwner: replyString(s, r, 2),
        prevEpoch: replyNumber(s, r, 3),
        prevPool: replyString(s, r, 4),
        prevShard: replyNumber(s, r, 5),
        pairingCode: replyString(s, r, 6),
      };
    case 'CONFLICT':
      return { status: 'CONFLICT', owner: replyString(s, r, 1), epoch: replyNumber(s, r, 2) };
    case 'STALE':
      return { status: 'STALE', epoch: replyNumber(s, r, 1) };
    default:
      throw unexpectedReply(s, r);
  }
}
