import { readdir, readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { jsonSchemaDocuments, serializeSchemaDocument } from './json-schema.js';
import { CASES } from './protocol.test-util.js';
import { MESSAGE_NAMES, UNION_NAMES } from './schema/names.js';

const dir = new URL('../schema/', import.meta.url);
const docs = jsonSchemaDocuments();

describe('generated JSON Schema files', () => {
  it('are committed and up to date (regenerate with `npm run schema -w @lingua/protocol`)', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(docs).sort());
    for (const file of files) {
      expect(await readFile(new URL(file, dir), 'utf8'), file).toBe(serializeSchemaDocument(docs[file]!));
    }
  });

  it('accept every example through the union of its socket direction, and reject broken ones', () => {
    const ajv = new Ajv({ allErrors: false, strict: true });
    for (const doc of Object.values(docs)) ajv.addSchema(doc);
    for (const c of CASES) {
      const validate = ajv.getSchema(`${UNION_NAMES[c.direction]}.json`)!;
      const msg = c.example();
      expect(validate(msg), `${c.direction} ${c.type}`).toBe(true);
      const single = ajv.getSchema(`${(MESSAGE_NAMES[c.direction] as Record<string, string>)[c.type]}.json`)!;
      expect(single({ ...msg, type: 'nope' })).toBe(false);
    }
  });

  it('say where the wire accepts null', () => {
    const ajv = new Ajv({ strict: true });
    for (const doc of Object.values(docs)) ajv.addSchema(doc);
    const init = CASES.find((c) => c.type === 'session_init')!.example();
    expect(
      ajv.getSchema('SessionInit.json')!({ ...init, dialect: null, tenant_id: null, pairing_code: null }),
    ).toBe(true);
    expect(ajv.getSchema('SessionInit.json')!({ ...init, trace_id: null })).toBe(false);
  });
});
