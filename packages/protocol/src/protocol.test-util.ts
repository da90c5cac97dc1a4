/** Shared plumbing for this package's tests: per-direction decoders, encoders, examples and path edits. */
import type { TSchema } from '@sinclair/typebox';
import { Kind } from '@sinclair/typebox';
import {
  decodeNodeFrame,
  decodeNodeOutbound,
  decodeSessionFrame,
  decodeSessionOutbound,
  type DecodeResult,
  type Frame,
} from './decode.js';
import { encodeNodeFrame, encodeNodeInbound, encodeSessionFrame, encodeSessionInbound } from './encode.js';
import {
  NODE_INBOUND_EXAMPLES,
  NODE_OUTBOUND_EXAMPLES,
  SESSION_INBOUND_EXAMPLES,
  SESSION_OUTBOUND_EXAMPLES,
} from './examples.js';
import { FREE_FORM } from './schema/fields.js';
import { defaultSchemas } from './schema/index.js';
import { DIRECTIONS, type Direction } from './schema/names.js';

export type Json = Record<string, unknown>;

export const decoders: Record<Direction, (frame: Frame) => DecodeResult<unknown>> = {
  nodeInbound: decodeNodeFrame,
  nodeOutbound: decodeNodeOutbound,
  sessionInbound: decodeSessionFrame,
  sessionOutbound: decodeSessionOutbound,
};

export const encoders = {
  nodeInbound: encodeNodeInbound,
  nodeOutbound: encodeNodeFrame,
  sessionInbound: encodeSessionInbound,
  sessionOutbound: encodeSessionFrame,
} as Record<Direction, (msg: never) => string>;

const examples: Record<Direction, Readonly<Record<string, unknown>>> = {
  nodeInbound: NODE_INBOUND_EXAMPLES,
  nodeOutbound: NODE_OUTBOUND_EXAMPLES,
  sessionInbound: SESSION_INBOUND_EXAMPLES,
  sessionOutbound: SESSION_OUTBOUND_EXAMPLES,
};

export interface Case {
  readonly direction: Direction;
  readonly type: string;
  readonly schema: TSchema;
  /** A fresh, mutable copy of the example. */
  example(): Json;
}

export const CASES: readonly Case[] = DIRECTIONS.flatMap((direction) =>
  Object.entries(defaultSchemas()[direction] as Record<string, TSchema>).map(([type, schema]) => ({
    direction,
    type,
    schema,
    // Through JSON, not structuredClone: examples share sub-objects, and copies must not.
    example: () => JSON.parse(JSON.stringify(examples[direction][type])) as Json,
  })),
);

export function getAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let node = root;
  for (const s of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node;
}

/** Sets (or deletes, with `undefined`) the value at a path; false when the parent does not exist. */
export function setAt(root: unknown, segments: readonly (string | number)[], value: unknown): boolean {
  const parent = getAt(root, segments.slice(0, -1));
  if (typeof parent !== 'object' || parent === null) return false;
  const key = segments[segments.length - 1] as string | number;
  if (value === undefined) delete (parent as Record<string | number, unknown>)[key];
  else (parent as Record<string | number, unknown>)[key] = value;
  return true;
}

/** Paths of properties in `value` that the schema does not declare, outside free-form maps. */
export function unknownKeyPaths(schema: TSchema, value: unknown, path = ''): string[] {
  if (schema[FREE_FORM] === true || typeof value !== 'object' || value === null) return [];
  if (schema[Kind] === 'Array' && Array.isArray(value)) {
    return value.flatMap((v, i) => unknownKeyPaths(schema.items as TSchema, v, `${path}/${i}`));
  }
  if (schema[Kind] !== 'Object') return [];
  const properties = schema.properties as Record<string, TSchema>;
  return Object.keys(value).flatMap((k) => {
    const child = properties[k];
    return child === undefined
      ? [`${path}/${k}`]
      : unknownKeyPaths(child, (value as Json)[k], `${path}/${k}`);
  });
}
