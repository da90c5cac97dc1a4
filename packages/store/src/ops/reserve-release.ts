import { StoreError, unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { reservationMember, type ReservationRef } from './reservation.js';

const S = 'reserve-release';

/** Ends a reservation and gives the slot back; `released` is false when it was already gone (idempotent). */
export async function reserveRelease(
  runner: ScriptRunner,
  keys: ShardKeys,
  reservation: ReservationRef | { member: string },
): Promise<{ status: 'OK'; released: boolean }> {
  const member = 'member' in reservation ? reservation.member : reservationMember(reservation);
  const [released] = await reserveReleaseMany(runner, keys, [member]);
  return { status: 'OK', released: released === true };
}

/** Ends several reservations of one shard in one call; per member, whether it was still there. */
export async function reserveReleaseMany(
  runner: ScriptRunner,
  keys: ShardKeys,
  members: readonly string[],
): Promise<boolean[]> {
  if (members.length === 0) throw new StoreError('INVALID_ARGUMENT', `${S}: no member`);
  const r = await runner.run(S, [keys.info, keys.free, keys.res, keys.used], members);
  if (r[0] !== 'OK' || r.length !== members.length + 1) throw unexpectedReply(S, r);
  return r.slice(1).map((v) => v === 1);
}
