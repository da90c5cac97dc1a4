/**
 * The size check of free-form maps (`features`, `extra`, `details`, …), run by the decoder after the schema check:
 * a map's JSON must fit in `Limits.maxMapBytes` UTF-8 bytes. The schema bounds their key count (`maxProperties`);
 * this bounds what the keys and values weigh together, nested values included, since such maps are stored and
 * forwarded as they came.
 *
 * Built once per message schema: only the branches that lead to a free-form map are walked.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { FREE_FORM } from './schema/fields.js';
import { toPath } from './schema/walk.js';

/** Returns the JSON path of the first oversized map, or undefined when every map fits. */
export type MapSizeCheck = (msg: unknown) => string | undefined;

type Step = { kind: 'map' } | { kind: 'object'; props: [string, Step][] } | { kind: 'array'; item: Step };

export function compileMapSizeCheck(schema: TSchema, maxBytes: number): MapSizeCheck {
  const root = plan(schema);
  if (root === undefined) return () => undefined;
  return (msg) => visit(root, msg, [], maxBytes);
}

function plan(schema: TSchema): Step | undefined {
  if (schema[FREE_FORM] === true) return { kind: 'map' };
  switch (schema[Kind]) {
    case 'Object': {
      const props: [string, Step][] = [];
      for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
        const step = plan(child);
        if (step !== undefined) props.push([key, step]);
      }
      return props.length > 0 ? { kind: 'object', props } : undefined;
    }
    case 'Array': {
      const item = plan(schema.items as TSchema);
      return item === undefined ? undefined : { kind: 'array', item };
    }
    default:
      return undefined;
  }
}

function visit(step: Step, value: unknown, at: (string | number)[], maxBytes: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  switch (step.kind) {
    case 'map':
      return fits(value, maxBytes) ? undefined : toPath(at);
    case 'object':
      for (const [key, child] of step.props) {
        const bad = visit(child, (value as Record<string, unknown>)[key], [...at, key], maxBytes);
        if (bad !== undefined) return bad;
      }
      return undefined;
    case 'array': {
      if (!Array.isArray(value)) return undefined;
      for (let i = 0; i < value.length; i++) {
        const bad = visit(step.item, value[i], [...at, i], maxBytes);
        if (bad !== undefined) return bad;
      }
      return undefined;
    }
  }
}

/** Whether `value` serialises to at most `maxBytes` UTF-8 bytes (a UTF-16 unit takes 1 to 3 of them). */
function fits(value: object, maxBytes: number): boolean {
  const json = JSON.stringify(value);
  if (json.length > maxBytes) return false;
  return json.length * 3 <= maxBytes || Buffer.byteLength(json, 'utf8') <= maxBytes;
}
