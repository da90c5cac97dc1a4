/**
 * The cleaning pass of decoding: builds, once per schema, a function that copies only the properties the
 * schema knows (so unknown fields never reach typed code) and drops `null` where real clients send it for
 * "absent". It runs before validation, so it must accept anything: values of unexpected shape are passed
 * through untouched for the validator to reject with the right path.
 *
 * Input is always a value fresh from JSON.parse and owned by the decoder, so subtrees that need no cleaning
 * (primitives, arrays of primitives, free-form maps) are shared rather than copied.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { FREE_FORM, NULL_AS_ABSENT } from './schema/fields.js';

export type Cleaner = (value: unknown) => unknown;

const keep: Cleaner = (value) => value;

export function compileCleaner(schema: TSchema): Cleaner {
  if (schema[FREE_FORM] === true) return keep;
  switch (schema[Kind]) {
    case 'Object':
      return objectCleaner(schema.properties as Record<string, TSchema>);
    case 'Array':
      return arrayCleaner(schema.items as TSchema, schema.maxItems as number | undefined);
    default:
      return keep;
  }
}

function objectCleaner(properties: Record<string, TSchema>): Cleaner {
  const keys = Object.keys(properties);
  const cleaners = keys.map((k) => compileCleaner(properties[k] as TSchema));
  const nullAsAbsent = keys.map((k) => (properties[k] as TSchema)[NULL_AS_ABSENT] === true);
  const n = keys.length;
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = keys[i] as string;
      const v = source[key];
      if (v === undefined || (v === null && nullAsAbsent[i])) continue;
      out[key] = (cleaners[i] as Cleaner)(v);
    }
    return out;
  };
}

function arrayCleaner(items: TSchema, maxItems: number | undefined): Cleaner {
  const item = compileCleaner(items);
  if (item === keep) return keep;
  const max = maxItems ?? Infinity;
  // An over-long array is left as is: the validator rejects it, and we do not pay to copy it first.
  return (value) => (Array.isArray(value) && value.length <= max ? value.map((v) => item(v)) : value);
}
