/**
 * Writes packages/protocol/schema/*.json from the TypeBox schemas: one file per message plus one union file
 * per socket direction. Run with `npm run schema -w @lingua/protocol`; commit the result (a test fails when
 * the committed files are stale).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { jsonSchemaDocuments, serializeSchemaDocument } from '../src/json-schema.js';

const dirUrl = new URL('../schema/', import.meta.url);
const dir = fileURLToPath(dirUrl);
const docs = jsonSchemaDocuments();

await mkdir(dir, { recursive: true });
for (const file of await readdir(dir)) {
  if (file.endsWith('.json') && !(file in docs)) await rm(new URL(file, dirUrl));
}
for (const [file, doc] of Object.entries(docs)) {
  await writeFile(new URL(file, dirUrl), serializeSchemaDocument(doc));
}
console.log(`wrote ${Object.keys(docs).length} schema files to ${dir}`);
