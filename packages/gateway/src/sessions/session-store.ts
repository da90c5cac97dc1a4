/**
 * The session's Redis state: `session-claim` (create now; resume arrives with issue 5). Written against
 * lua/SPEC.md with `ScriptRunner.run`; can delegate to the @lingua/store wrapper once it is exported.
 */
import type { KeySchema, ScriptRunner } from '@lingua/store';

export type SessionClaimResult =
  | { status: 'OK'; epoch: number; prevOwner: string; prevEpoch: number }
  | { status: 'EXISTS' | 'GONE' | 'DENIED' };

export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError';
  readonly code = 'UNEXPECTED_REPLY';
}

export class SessionStore {
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: KeySchema,
  ) {}

  /** Creates the session hash owned by `instanceId` (epoch 1, next index 0). */
  async create(
    sessionId: string,
    instanceId: string,
    tokenHash: string,
    fields: Record<string, string | number | boolean | object>,
    now: number,
  ): Promise<SessionClaimResult> {
    const r = await this.scripts.run(
      'session-claim',
      [this.keys.session(sessionId).session],
      [sessionId, instanceId, now, 'create', tokenHash, JSON.stringify(fields)],
    );
    switch (r[0]) {
      case 'OK':
        return { status: 'OK', epoch: Number(r[1]), prevOwner: String(r[2]), prevEpoch: Number(r[3]) };
      case 'EXISTS':
      case 'GONE':
      case 'DENIED':
        return { status: r[0] };
      default:
        throw new SessionStoreError(`session-claim: unexpected reply ${JSON.stringify(r)}`);
    }
  }
}
