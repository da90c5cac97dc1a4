/**
 * Encoders: one JSON.stringify of the message as typed. JSON.stringify already omits undefined properties;
 * the only rewrite is job_assign's cut flags, which the node agent expects present only when true.
 * Encoders do not validate (the types do); callers must not put unknown or null fields in messages.
 */
import type { JobAssign, NodeInbound, NodeOutbound, SessionInbound, SessionOutbound } from './messages.js';

/** gateway → node */
export function encodeNodeFrame(msg: NodeOutbound): string {
  return JSON.stringify(msg.type === 'job_assign' ? withCutFlagsOnlyWhenTrue(msg) : msg);
}

/** gateway → client */
export function encodeSessionFrame(msg: SessionOutbound): string {
  return JSON.stringify(msg);
}

/** node → gateway (node SDK, simulators) */
export function encodeNodeInbound(msg: NodeInbound): string {
  return JSON.stringify(msg);
}

/** client → gateway (session SDK, test clients) */
export function encodeSessionInbound(msg: SessionInbound): string {
  return JSON.stringify(msg);
}

function withCutFlagsOnlyWhenTrue(msg: JobAssign): JobAssign {
  // Copy only in the uncommon case that a flag is present but not true.
  if (
    (msg.is_manual_cut === undefined || msg.is_manual_cut === true) &&
    (msg.is_timeout_triggered === undefined || msg.is_timeout_triggered === true) &&
    (msg.is_max_duration_triggered === undefined || msg.is_max_duration_triggered === true)
  ) {
    return msg;
  }
  const { is_manual_cut, is_timeout_triggered, is_max_duration_triggered, ...rest } = msg;
  const out: JobAssign = rest;
  if (is_manual_cut === true) out.is_manual_cut = true;
  if (is_timeout_triggered === true) out.is_timeout_triggered = true;
  if (is_max_duration_triggered === true) out.is_max_duration_triggered = true;
  return out;
}
