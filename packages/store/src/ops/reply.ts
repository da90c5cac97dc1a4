import { unexpectedReply } from '../errors.js';

/**
 * Readers for script replies (RESP2: Lua strings arrive as strings, Lua integers as numbers). A reply that does
 * not fit is a script/wrapper mismatch and throws `UNEXPECTED_REPLY` rather than guessing.
 */
export function replyString(script: string, reply: unknown[], i: number): string {
  const v = reply[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw unexpectedReply(script, reply);
}

export function replyNumber(script: string, reply: unknown[], i: number): number {
  const v = reply[i];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw unexpectedReply(script, reply);
  return n;
}

export function replyJson<T>(script: string, reply: unknown[], i: number): T {
  const text = replyString(script, reply, i);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw unexpectedReply(script, reply);
  }
}
