import { unexpectedReply } from '../errors.js';
import { replyNumber, replyString } from './reply.js';
import type { SessionKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';

const S = 'session-claim';

export type SessionClaimResult =
  | { status: 'OK'; epoch: number; prevOwner: string; prevEpoch: number }
  /** create: the session id is taken */
  | { status: 'EXISTS' }
  /** resume: no such session */
  | { status: 'GONE' }
  /** resume: the token does not match */
  | { status: 'DENIED' };

/** Scalar fields are stored as they are; objects and arrays as JSON. Reserved fields are overwritten by the script. */
export type SessionFields = Record<string, string | number | boolean | object>;

export type SessionClaimArgs =
  | {
      mode: 'create';
      sessionId: string;
      instanceId: string;
      now: number;
      tokenHash: string;
      fields: SessionFields;
    }
  | { mode: 'resume'; sessionId: string; instanceId: string; now: number; tokenHash: string };

/**
 * Creates a session owned by `instanceId` (epoch 1, next utterance index 0), or resumes one: the token must match
 * and the epoch grows, so the previous owner's writes (fenced on epoch) fail from now on.
 */
export async function sessionClaim(
  runner: ScriptRunner,
  keys: SessionKeys,
  args: SessionClaimArgs,
): Promise<SessionClaimResult> {
  const fields = args.mode === 'create' ? JSON.stringify(args.fields) : '';
  const r = await runner.run(
    'session-claim',
    [keys.session],
    [args.sessionId, args.instanceId, args.now, args.mode, args.tokenHash, fields],
  );
  switch (r[0]) {
    case 'OK':
      return {
        status: 'OK',
        epoch: replyNumber(S, r, 1),
        prevOwner: replyString(S, r, 2),
        prevEpoch: replyNumber(S, r, 3),
      };
    case 'EXISTS':
    case 'GONE':
    case 'DENIED':
      return { status: r[0] };
    default:
      throw unexpectedReply(S, r);
  }
}
