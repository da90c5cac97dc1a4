/**
 * Enumerates the fields a message schema declares, with their JSON paths: what table-driven tests iterate
 * (every required field, every typed field) without listing fields by hand.
 */
import { Kind, type TSchema } from '@sinclair/typebox';

export interface SchemaField {
  /** JSON path as the decoder reports it, e.g. `/installed_models/0/model_id`. */
  readonly path: string;
  readonly segments: readonly (string | number)[];
  readonly schema: TSchema;
  readonly required: boolean;
}

/** Every declared property, depth first, descending into objects and into the first item of arrays. */
export function* schemaFields(
  schema: TSchema,
  segments: readonly (string | number)[] = [],
): Generator<SchemaField> {
  if (schema[Kind] === 'Object') {
    const properties = schema.properties as Record<string, TSchema>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [key, child] of Object.entries(properties)) {
      const childSegments = [...segments, key];
      yield {
        path: toPath(childSegments),
        segments: childSegments,
        schema: child,
        required: required.has(key),
      };
      yield* schemaFields(child, childSegments);
    }
  } else if (schema[Kind] === 'Array') {
    yield* schemaFields(schema.items as TSchema, [...segments, 0]);
  }
}

export function toPath(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
