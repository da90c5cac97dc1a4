import { TestkitError } from './errors.js';

const CR = 0x0d;
const LF = 0x0a;

/** RESP2 and RESP3 type bytes that are one line: simple string, error, integer, null, double, boolean, big number. */
const LINE_TYPES = new Set([...'+-:_,#('].map((c) => c.charCodeAt(0)));
/** Length-prefixed payloads: bulk string, blob error, verbatim string. */
const BLOB_TYPES = new Set([...'$!='].map((c) => c.charCodeAt(0)));
/** Aggregates of n elements: array, set, push. */
const LIST_TYPES = new Set([...'*~>'].map((c) => c.charCodeAt(0)));
/** Aggregates of n key/value pairs: map, attribute. */
const PAIR_TYPES = new Set([...'%|'].map((c) => c.charCodeAt(0)));
const ATTRIBUTE = '|'.charCodeAt(0);

export type RespDirection = 'replies' | 'commands';

/**
 * Splits a byte stream into complete top-level RESP frames without decoding them, so a proxy can
 * count, hold or swallow whole replies while forwarding the bytes untouched.
 *
 * `replies` (server → client) understands RESP2 and the RESP3 types Redis sends; an attribute
 * (`|`) belongs to the reply that follows it, so the pair is one frame. `commands`
 * (client → server) also accepts inline commands (a bare line such as `PING\r\n`), as
 * redis-server does. Streamed RESP3 strings and aggregates (`$?`, `*?`) are not supported;
 * Redis never sends them.
 */
export class RespFramer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly direction: RespDirection) {}

  /** Bytes received and not yet part of a complete frame. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Appends `chunk` and returns every frame it completes, in order. Throws `RESP_FRAMING` on garbage. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let start = 0;
    while (start < this.pending.length) {
      const end = this.frameEnd(start, true);
      if (end === undefined) break;
      frames.push(this.pending.subarray(start, end));
      start = end;
    }
    this.pending = this.pending.subarray(start);
    return frames;
  }

  /** Index just past the frame at `at`, or undefined while it is incomplete. */
  private frameEnd(at: number, topLevel: boolean): number | undefined {
    const buf = this.pending;
    if (at >= buf.length) return undefined;
    const type = buf[at] ?? 0;
    const lineEnd = buf.indexOf(LF, at);
    if (lineEnd < 0) return undefined;
    const next = lineEnd + 1;
    if (topLevel && this.direction === 'commands' && !LIST_TYPES.has(type)) {
      // Inline command: one line, however it starts.
      return next;
    }
    if (buf[lineEnd - 1] !== CR) throw framingError(buf, at, 'line does not end with CRLF');
    if (LINE_TYPES.has(type)) return next;
    const header = buf.toString('latin1', at + 1, lineEnd - 1);
    const count = Number(header);
    if (header === '' || !Number.isInteger(count)) throw framingError(buf, at, `bad length "${header}"`);
    if (BLOB_TYPES.has(type)) {
      if (count < 0) return next; // null bulk string
      const end = next + count + 2;
      if (end > buf.length) return undefined;
      if (buf[end - 2] !== CR || buf[end - 1] !== LF)
        throw framingError(buf, at, 'blob not followed by CRLF');
      return end;
    }
    if (LIST_TYPES.has(type) || PAIR_TYPES.has(type)) {
      if (count < 0) return next; // null array
      let pos = next;
      const elements = PAIR_TYPES.has(type) ? count * 2 : count;
      for (let i = 0; i < elements; i++) {
        const end = this.frameEnd(pos, false);
        if (end === undefined) return undefined;
        pos = end;
      }
      // An attribute decorates the reply after it: both travel (and are dropped) together.
      return type === ATTRIBUTE ? this.frameEnd(pos, topLevel) : pos;
    }
    throw framingError(buf, at, `unknown type byte 0x${type.toString(16)}`);
  }
}

function framingError(buf: Buffer, at: number, why: string): TestkitError {
  const excerpt = JSON.stringify(buf.toString('latin1', at, Math.min(buf.length, at + 32)));
  return new TestkitError('RESP_FRAMING', `${why} at ${excerpt}`);
}

/**
 * The arguments of one command frame from a client (RESP array of bulk strings, or an inline
 * command), or undefined when the frame is something else.
 */
export function commandArgs(frame: Buffer): string[] | undefined {
  if (frame[0] !== '*'.charCodeAt(0)) {
    return frame.toString('utf8').trim().split(/\s+/).filter(Boolean);
  }
  const args: string[] = [];
  let pos = frame.indexOf(LF) + 1;
  const count = Number(frame.toString('latin1', 1, pos - 2));
  for (let i = 0; i < count; i++) {
    if (frame[pos] !== '$'.charCodeAt(0)) return undefined;
    const lineEnd = frame.indexOf(LF, pos);
    const length = Number(frame.toString('latin1', pos + 1, lineEnd - 1));
    if (!Number.isInteger(length) || length < 0) return undefined;
    args.push(frame.toString('utf8', lineEnd + 1, lineEnd + 1 + length));
    pos = lineEnd + 1 + length + 2;
  }
  return args;
}

/** The name a command sets for its connection: `CLIENT SETNAME n` or `HELLO … SETNAME n`. */
export function connectionNameSet(args: string[]): string | undefined {
  const command = args[0]?.toUpperCase();
  if (command === 'CLIENT' && args[1]?.toUpperCase() === 'SETNAME') return args[2];
  if (command === 'HELLO') {
    const at = args.findIndex((a, i) => i > 0 && a.toUpperCase() === 'SETNAME');
    if (at > 0) return args[at + 1];
  }
  return undefined;
}
