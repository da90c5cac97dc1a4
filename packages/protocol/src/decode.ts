/**
 * Frame decoders: size check → one JSON.parse → dispatch on `type` → clean (known fields only, nulls that mean
 * absent removed) → compiled TypeBox check → size of free-form maps. They never throw; every failure is a value
 * with a JSON path.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { compileCleaner, type Cleaner } from './clean.js';
import { DEFAULT_LIMITS, resolveLimits, type Limits } from './limits.js';
import { compileMapSizeCheck, type MapSizeCheck } from './map-size.js';
import type { NodeInbound, NodeOutbound, SessionInbound, SessionOutbound } from './messages.js';
import { createSchemas, type SchemaSet } from './schema/index.js';

export type DecodeErrorCode = 'INVALID_MESSAGE' | 'PAYLOAD_TOO_LARGE';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
  /** JSON path of the offending field: `/resource_usage/cpu_percent`, `/type`; `` for the frame itself. */
  path: string;
  /** The frame's `type` when it named a known message. */
  type?: string;
}

export type DecodeResult<T> = { ok: true; msg: T } | { ok: false; error: DecodeError };

/** What a WebSocket library hands over: text, bytes, or a fragmented message (ws `RawData`). */
export type Frame = string | Uint8Array | ArrayBuffer | readonly Uint8Array[];

export type FrameDecoder<T> = (frame: Frame) => DecodeResult<T>;

export interface Decoders {
  readonly limits: Limits;
  /** node → gateway frames (gateway side of `/ws/node`). */
  readonly decodeNodeFrame: FrameDecoder<NodeInbound>;
  /** client → gateway frames (gateway side of `/ws/session`). */
  readonly decodeSessionFrame: FrameDecoder<SessionInbound>;
  /** gateway → node frames (node SDK side). */
  readonly decodeNodeOutbound: FrameDecoder<NodeOutbound>;
  /** gateway → client frames (session SDK side). */
  readonly decodeSessionOutbound: FrameDecoder<SessionOutbound>;
}

interface Compiled {
  readonly check: TypeCheck<TSchema>;
  readonly clean: Cleaner;
  readonly mapSize: MapSizeCheck;
}

/** Builds the four decoders for the given limits (unspecified ones take DEFAULT_LIMITS). */
export function createDecoders(overrides: Partial<Limits> = {}): Decoders {
  const limits = resolveLimits(overrides);
  const schemas = createSchemas(limits);
  return Object.freeze({
    limits,
    decodeNodeFrame: frameDecoder<NodeInbound>(schemas.nodeInbound, limits),
    decodeSessionFrame: frameDecoder<SessionInbound>(schemas.sessionInbound, limits),
    decodeNodeOutbound: frameDecoder<NodeOutbound>(schemas.nodeOutbound, limits),
    decodeSessionOutbound: frameDecoder<SessionOutbound>(schemas.sessionOutbound, limits),
  });
}

function frameDecoder<T>(schemas: SchemaSet, limits: Limits): FrameDecoder<T> {
  // Compiled per message type on first use, so a process pays only for the messages it actually receives.
  const compiled = new Map<string, Compiled>();
  const known = new Set(Object.keys(schemas));
  const compile = (type: string): Compiled => {
    let c = compiled.get(type);
    if (c === undefined) {
      const schema = schemas[type] as TSchema;
      c = {
        check: TypeCompiler.Compile(schema),
        clean: compileCleaner(schema),
        mapSize: compileMapSizeCheck(schema, limits.maxMapBytes),
      };
      compiled.set(type, c);
    }
    return c;
  };

  return (frame) => {
    try {
      const text = frameText(frame, limits.maxFrameBytes);
      if (text === undefined) {
        return fail('PAYLOAD_TOO_LARGE', `frame exceeds ${limits.maxFrameBytes} bytes`, '');
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return fail('INVALID_MESSAGE', 'frame is not valid JSON', '');
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        return fail('INVALID_MESSAGE', 'frame must be a JSON object', '');
      }
      const type = (raw as { type?: unknown }).type;
      if (typeof type !== 'string') return fail('INVALID_MESSAGE', 'missing or non-string type', '/type');
      if (!known.has(type)) return fail('INVALID_MESSAGE', `unknown message type ${quote(type)}`, '/type');
      const { check, clean, mapSize } = compile(type);
      const msg = clean(raw);
      if (check.Check(msg)) {
        const oversized = mapSize(msg);
        if (oversized === undefined) return { ok: true, msg: msg as T };
        return fail(
          'INVALID_MESSAGE',
          `${type}: ${oversized}: map exceeds ${limits.maxMapBytes} bytes as JSON`,
          oversized,
          type,
        );
      }
      const first = check.Errors(msg).First();
      const path = first?.path ?? '';
      return fail(
        'INVALID_MESSAGE',
        `${type}: ${path || '(root)'}: ${first?.message ?? 'invalid'}`,
        path,
        type,
      );
    } catch (err) {
      // Defensive: nothing above should throw, but a decoder must never take a socket handler down.
      return fail('INVALID_MESSAGE', `undecodable frame (${(err as Error)?.name ?? 'error'})`, '');
    }
  };
}

/** The frame as text, or undefined when it is larger than the limit. */
function frameText(frame: Frame, maxBytes: number): string | undefined {
  if (typeof frame === 'string') {
    // A UTF-16 code unit takes 1..3 UTF-8 bytes: measure exactly only when the cheap bounds disagree.
    if (frame.length > maxBytes) return undefined;
    if (frame.length * 3 > maxBytes && Buffer.byteLength(frame, 'utf8') > maxBytes) return undefined;
    return frame;
  }
  if (frame instanceof Uint8Array) {
    if (frame.byteLength > maxBytes) return undefined;
    return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8');
  }
  if (frame instanceof ArrayBuffer) {
    return frame.byteLength > maxBytes ? undefined : Buffer.from(frame).toString('utf8');
  }
  let total = 0;
  for (const part of frame) total += part.byteLength;
  if (total > maxBytes) return undefined;
  return Buffer.concat(frame as Uint8Array[], total).toString('utf8');
}

function fail<T>(code: DecodeErrorCode, message: string, path: string, type?: string): DecodeResult<T> {
  const error: DecodeError = type === undefined ? { code, message, path } : { code, message, path, type };
  return { ok: false, error };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

let defaults: Decoders | undefined;

/** Decoders at DEFAULT_LIMITS, built on first use. */
export function defaultDecoders(): Decoders {
  defaults ??= createDecoders(DEFAULT_LIMITS);
  return defaults;
}

export function decodeNodeFrame(frame: Frame): DecodeResult<NodeInbound> {
  return defaultDecoders().decodeNodeFrame(frame);
}

export function decodeSessionFrame(frame: Frame): DecodeResult<SessionInbound> {
  return defaultDecoders().decodeSessionFrame(frame);
}

export function decodeNodeOutbound(frame: Frame): DecodeResult<NodeOutbound> {
  return defaultDecoders().decodeNodeOutbound(frame);
}

export function decodeSessionOutbound(frame: Frame): DecodeResult<SessionOutbound> {
  return defaultDecoders().decodeSessionOutbound(frame);
}
