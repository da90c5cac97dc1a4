/**
 * The cleaning pass of decoding: builds, once per schema, a function that copies only the properties the
 * schema knows (so unknown fields never reach typed code) and drops `null` where real clients send it for
 * "absent". It runs before validation, so it must accept anything: values of unexpected shape are passed
 * through untouched for the validator to reject with the right path.
 *
 * Input is always a value fresh from JSON.parse and owned by the decoder, so subtrees that need no cleaning
 * (primitives, arrays of primitives, free-form maps) are shared rather than copied.
 *
 * The function is generated source (as TypeBox's own compiler does): with property names as constants V8 turns
 * each read into a monomorphic named load, several times faster than looping over a key list. Only schema
 * property names reach the source, always quoted through JSON.stringify.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { FREE_FORM, NULL_AS_ABSENT } from './schema/fields.js';

export type Cleaner = (value: unknown) => unknown;

export function compileCleaner(schema: TSchema): Cleaner {
  const functions: string[] = [];
  const entry = emit(schema, functions);
  if (entry === undefined) return (value) => value;
  const source = `${functions.join('\n')}\nreturn ${entry};`;
  return new Function(source)() as Cleaner;
}

/** Emits the function cleaning `schema` and returns its name, or undefined when values pass through as is. */
function emit(schema: TSchema, functions: string[]): string | undefined {
  if (schema[FREE_FORM] === true) return undefined;
  switch (schema[Kind]) {
    case 'Object':
      return emitObject(schema.properties as Record<string, TSchema>, functions);
    case 'Array':
      return emitArray(schema.items as TSchema, schema.maxItems as number | undefined, functions);
    default:
      return undefined;
  }
}

function emitObject(properties: Record<string, TSchema>, functions: string[]): string {
  const body: string[] = [];
  for (const [key, child] of Object.entries(properties)) {
    const k = JSON.stringify(key);
    const inner = emit(child, functions);
    const skipNull = child[NULL_AS_ABSENT] === true ? ' && x !== null' : '';
    body.push(
      `x = v[${k}]; if (x !== undefined${skipNull}) o[${k}] = ${inner === undefined ? 'x' : `${inner}(x)`};`,
    );
  }
  const name = `clean${functions.length}`;
  functions.push(
    `function ${name}(v) {\n` +
      `  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;\n` +
      `  const o = {}; let x;\n  ${body.join('\n  ')}\n  return o;\n}`,
  );
  return name;
}

function emitArray(items: TSchema, maxItems: number | undefined, functions: string[]): string | undefined {
  const item = emit(items, functions);
  if (item === undefined) return undefined;
  const name = `clean${functions.length}`;
  // An over-long array is left as is: the validator rejects it, and we do not pay to copy it first.
  const max = maxItems === undefined ? '' : ` || v.length > ${String(Number(maxItems))}`;
  functions.push(
    `function ${name}(v) {\n` +
      `  if (!Array.isArray(v)${max}) return v;\n` +
      `  const n = v.length, o = new Array(n);\n` +
      `  for (let i = 0; i < n; i++) o[i] = ${item}(v[i]);\n` +
      `  return o;\n}`,
  );
  return name;
}
