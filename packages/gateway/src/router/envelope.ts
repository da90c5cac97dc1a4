/**
 * What instances say to each other through their inboxes (one JSON object per inbox message). Pure: encode and
 * a structural decode that refuses anything it could not act on, so a malformed or foreign message is logged
 * and skipped instead of throwing inside the inbox's delivery loop.
 */
import type { NodeOutbound } from '@lingua/protocol';
import type { SessionJobEvent } from '../jobs/job-events.js';
import type { FenceKind, NodeDeliveryFailure } from './router.js';

export type Envelope =
  /** A frame for a node socket held by the receiver, addressed to one registration (its epoch). */
  | { t: 'node'; from: string; node: string; epoch: number; frame: NodeOutbound }
  /** A job event for a session held by the receiver; `hops` counts re-routes after bounces. */
  | { t: 'session'; from: string; hops: number; event: SessionJobEvent }
  /** The job_assign sent by the receiver found no socket of that registration at `from`. */
  | {
      t: 'assign_bounced';
      from: string;
      node: string;
      epoch: number;
      why: NodeDeliveryFailure;
      sessionId: string;
      jobId: string;
      attempt: number;
    }
  /** The session event sent by the receiver found no such session at `from`: look its owner up again. */
  | { t: 'session_bounced'; from: string; hops: number; event: SessionJobEvent }
  /** `from` holds a newer registration (`epoch`) of this node or session: close an older local socket. */
  | { t: 'fence'; from: string; kind: FenceKind; id: string; epoch: number };

export type EnvelopeType = Envelope['t'];

export function encodeEnvelope(e: Envelope): string {
  return JSON.stringify(e);
}

const EVENT_KINDS: ReadonlySet<string> = new Set(['accepted', 'partial', 'result', 'failed']);
const FAILURES: ReadonlySet<string> = new Set(['node_gone', 'stale_epoch']);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

const RESOLUTION_KINDS: ReadonlySet<string> = new Set(['translation', 'missing', 'error']);

function isEvent(v: unknown): v is SessionJobEvent {
  if (!isObj(v) || typeof v.kind !== 'string' || !EVENT_KINDS.has(v.kind)) return false;
  if (!isStr(v.sessionId) || !isStr(v.jobId)) return false;
  // A result carries its resolution as data: kind and frames travel together.
  if (v.kind === 'result') {
    const r = v.resolution;
    return isObj(r) && typeof r.kind === 'string' && RESOLUTION_KINDS.has(r.kind) && Array.isArray(r.frames);
  }
  return true;
}

/** The envelope in `payload`, or undefined when it is not one this version understands. */
export function decodeEnvelope(payload: string): Envelope | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isObj(v) || !isStr(v.from)) return undefined;
  switch (v.t) {
    case 'node':
      return isStr(v.node) && isInt(v.epoch) && isObj(v.frame) && isStr(v.frame.type)
        ? (v as Envelope)
        : undefined;
    case 'session':
    case 'session_bounced':
      return isInt(v.hops) && isEvent(v.event) ? (v as Envelope) : undefined;
    case 'assign_bounced':
      return isStr(v.node) &&
        isInt(v.epoch) &&
        typeof v.why === 'string' &&
        FAILURES.has(v.why) &&
        isStr(v.sessionId) &&
        isStr(v.jobId) &&
        isInt(v.attempt)
        ? (v as Envelope)
        : undefined;
    case 'fence':
      return (v.kind === 'node' || v.kind === 'session') && isStr(v.id) && isInt(v.epoch)
        ? (v as Envelope)
        : undefined;
    default:
      return undefined;
  }
}
