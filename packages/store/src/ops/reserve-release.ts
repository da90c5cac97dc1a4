import { unexpectedReply } from '../errors.js';
import type { ShardKeys } from '../keys.js';
import type { ScriptRunner } from '../scripts/loader.js';
import { reservationMember, type ReservationRef } from './reservation.js';

/** Ends a reservation and gives the slot back; `released` is false when it was already gone (idempotent). */
export async function reserveRelease(
  runner: ScriptRunner,
  keys: ShardKeys,
  reservation: ReservationRef | { member: string },
): Promise<{ status: 'OK'; released: boolean }> {
  const member = 'member' in reservation ? reservation.member : reservationMember(reservation);
  const s = 'reserve-release';
  const r = await runner.run(s, [keys.info, keys.free, keys.res, keys.used], [member]);
  if (r[0] !== 'OK') throw unexpectedReply(s, r);
  return { status: 'OK', released: r[1] === 1 };
}
