/**
 * JSON Schema documents of every message, generated from the TypeBox schemas (the one source) for people and
 * tools outside TypeScript. Wire facts the decoder handles outside the schema are made explicit here:
 * fields real clients send as `null` accept `null`, and free-form maps say in `description` how large their JSON
 * may be (JSON Schema has no keyword for that).
 */
import type { TSchema } from '@sinclair/typebox';
import {
  NODE_INBOUND_EXAMPLES,
  NODE_OUTBOUND_EXAMPLES,
  SESSION_INBOUND_EXAMPLES,
  SESSION_OUTBOUND_EXAMPLES,
} from './examples.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { FREE_FORM, NULL_AS_ABSENT } from './schema/fields.js';
import { createSchemas } from './schema/index.js';
import { DIRECTIONS, DIRECTION_TITLES, MESSAGE_NAMES, UNION_NAMES, type Direction } from './schema/names.js';

const DRAFT = 'http://json-schema.org/draft-07/schema#';

const EXAMPLES: Readonly<Record<Direction, Readonly<Record<string, unknown>>>> = {
  nodeInbound: NODE_INBOUND_EXAMPLES,
  nodeOutbound: NODE_OUTBOUND_EXAMPLES,
  sessionInbound: SESSION_INBOUND_EXAMPLES,
  sessionOutbound: SESSION_OUTBOUND_EXAMPLES,
};

export type JsonSchemaDocument = Record<string, unknown>;

/** File name (`NodeRegister.json`, `NodeInbound.json`, …) → JSON Schema document. */
export function jsonSchemaDocuments(limits: Limits = DEFAULT_LIMITS): Record<string, JsonSchemaDocument> {
  const schemas = createSchemas(limits);
  const docs: Record<string, JsonSchemaDocument> = {};
  for (const direction of DIRECTIONS) {
    const set = schemas[direction] as Record<string, TSchema>;
    const names = MESSAGE_NAMES[direction] as Record<string, string>;
    const refs: { $ref: string }[] = [];
    for (const [type, schema] of Object.entries(set)) {
      const name = names[type] as string;
      const file = `${name}.json`;
      refs.push({ $ref: file });
      docs[file] = {
        $schema: DRAFT,
        $id: file,
        title: name,
        description: `\`${type}\`, ${DIRECTION_TITLES[direction]}`,
        ...(toJsonSchema(schema, limits) as object),
        examples: [EXAMPLES[direction][type]],
      };
    }
    const union = UNION_NAMES[direction];
    docs[`${union}.json`] = {
      $schema: DRAFT,
      $id: `${union}.json`,
      title: union,
      description: `Every frame ${DIRECTION_TITLES[direction]}, tagged by \`type\`.`,
      oneOf: refs,
    };
  }
  return docs;
}

/** Plain JSON of a TypeBox schema with our annotations turned into standard JSON Schema. */
function toJsonSchema(schema: TSchema, limits: Limits): unknown {
  return rewrite(JSON.parse(JSON.stringify(schema)) as unknown, limits);
}

function rewrite(node: unknown, limits: Limits): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(n, limits));
  if (typeof node !== 'object' || node === null) return node;
  const { [NULL_AS_ABSENT]: nullable, [FREE_FORM]: freeForm, ...rest } = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) out[k] = rewrite(v, limits);
  if (freeForm === true) {
    out.description = `Free-form map: unknown keys are kept; at most ${limits.maxMapBytes} bytes as JSON.`;
  }
  return nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

/** The exact bytes of a schema file (shared by the generator and the staleness test). */
export function serializeSchemaDocument(doc: JsonSchemaDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
