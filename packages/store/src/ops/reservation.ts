import { StoreError } from '../errors.js';

/** A reservation as carried between shards and reported by shard-remove. */
export interface Reservation {
  /** `<nodeId>|<sessionId>|<jobId>|<attempt>` */
  member: string;
  /** Expiry, ms since epoch. */
  expiry: number;
}

export interface ReservationRef {
  nodeId: string;
  sessionId: string;
  jobId: string;
  attempt: number;
}

/** Ids become `|`-separated parts of a reservation member; a `|` inside one would make it ambiguous. */
export function assertMemberSafe(what: string, id: string): void {
  if (id === '' || id.includes('|')) {
    throw new StoreError('INVALID_ARGUMENT', `${what} must be non-empty and free of '|': "${id}"`);
  }
}

export function reservationMember(ref: ReservationRef): string {
  assertMemberSafe('nodeId', ref.nodeId);
  assertMemberSafe('sessionId', ref.sessionId);
  assertMemberSafe('jobId', ref.jobId);
  return `${ref.nodeId}|${ref.sessionId}|${ref.jobId}|${ref.attempt}`;
}

export function parseReservationMember(member: string): ReservationRef {
  const parts = member.split('|');
  const attempt = Number(parts[3]);
  if (parts.length !== 4 || !Number.isInteger(attempt) || parts.some((p) => p === '')) {
    throw new StoreError('UNEXPECTED_REPLY', `not a reservation member: "${member}"`);
  }
  return { nodeId: parts[0] as string, sessionId: parts[1] as string, jobId: parts[2] as string, attempt };
}
