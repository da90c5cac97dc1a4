/**
 * Creating a session in Redis (`session-claim` in create mode), bound to the key schema. Resume claims the session
 * in `resume.ts`.
 */
import {
  sessionClaim,
  type KeySchema,
  type ScriptRunner,
  type SessionClaimResult,
  type SessionFields,
} from '@lingua/store';

export class SessionStore {
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: KeySchema,
  ) {}

  /** Creates the session hash owned by `instanceId` (epoch 1, next index 0). */
  create(
    sessionId: string,
    instanceId: string,
    tokenHash: string,
    fields: SessionFields,
    now: number,
  ): Promise<SessionClaimResult> {
    return sessionClaim(this.scripts, this.keys.session(sessionId), {
      mode: 'create',
      sessionId,
      instanceId,
      now,
      tokenHash,
      fields,
    });
  }
}
