/**
 * Micro-benchmark that chose the schema library: validates an `audio_chunk` and a `node_heartbeat` (already
 * parsed objects) with TypeBox compiled (TypeCompiler), zod 4 and ajv, and prints median ops/s side by side.
 * For context it also times what the gateway really runs per frame: JSON.parse alone, and the full decoder.
 *
 *   npm run bench:validators -w @lingua/protocol        (ROUNDS=15 ROUND_MS=150 by default)
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Ajv } from 'ajv';
import { z } from 'zod';
import { compileCleaner } from '../src/clean.js';
import { decodeNodeFrame, decodeSessionFrame } from '../src/decode.js';
import { NODE_INBOUND_EXAMPLES, SESSION_INBOUND_EXAMPLES } from '../src/examples.js';
import { encodeOpusPlanA } from '../src/audio.js';
import { jsonSchemaDocuments } from '../src/json-schema.js';
import { defaultSchemas } from '../src/schema/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const ROUND_MS = Number(process.env.ROUND_MS ?? 150);

// Realistic payloads: 256 ms of microphone audio (13 packets of ~60 bytes) and a node with 7 services.
const audioChunk = {
  ...SESSION_INBOUND_EXAMPLES.audio_chunk,
  payload: Buffer.from(
    encodeOpusPlanA(Array.from({ length: 13 }, () => new Uint8Array(60).fill(7))),
  ).toString('base64'),
};
const serviceTypes = ['asr', 'nmt', 'tts', 'tone', 'semantic', 'phonetic', 'punctuation'] as const;
const base = NODE_INBOUND_EXAMPLES.node_heartbeat;
const heartbeat = {
  ...base,
  installed_services: serviceTypes.map((type, i) => ({
    ...base.installed_services[0]!,
    type,
    service_id: `svc-${i}`,
  })),
  capability_by_type: serviceTypes.map((type) => ({ ...base.capability_by_type[0]!, type })),
};

// ---- zod 4: the same two messages written by hand ----
const id = z.string().max(128);
const lang = z.string().max(16);
const ms = z.number().min(0);
const count = z.number().int().min(0);
const zAudioChunk = z.object({
  type: z.literal('audio_chunk'),
  session_id: id,
  seq: count,
  is_final: z.boolean(),
  payload: z.string().optional(),
  client_timestamp_ms: ms.optional(),
});
const zServiceType = z.enum(serviceTypes);
const zInstalledModel = z.object({
  model_id: id,
  kind: id,
  src_lang: lang.optional(),
  tgt_lang: lang.optional(),
  dialect: lang.optional(),
  version: id,
  enabled: z.boolean().optional(),
});
const zLanguageCapabilities = z.object({
  asr_languages: z.array(lang).max(256).optional(),
  tts_languages: z.array(lang).max(256).optional(),
  semantic_languages: z.array(lang).max(256).optional(),
  semantic_core_ready: z.boolean().optional(),
});
const zHeartbeat = z.object({
  type: z.literal('node_heartbeat'),
  node_id: id,
  timestamp: ms,
  resource_usage: z.object({
    cpu_percent: z.number().min(0),
    gpu_percent: z.number().min(0).optional(),
    gpu_mem_percent: z.number().min(0).optional(),
    mem_percent: z.number().min(0),
    running_jobs: count,
    gpu_queue_length: count.optional(),
  }),
  installed_models: z.array(zInstalledModel).max(256).optional(),
  installed_services: z
    .array(
      z.object({
        service_id: id,
        type: zServiceType,
        device: z.enum(['gpu', 'cpu']),
        status: z.enum(['running', 'stopped', 'error']),
        version: id.optional(),
        model_id: id.optional(),
        engine: id.optional(),
        mem_mb: z.number().min(0).optional(),
        warmup_ms: ms.optional(),
        last_error: z.string().max(65536).optional(),
      }),
    )
    .max(256),
  capability_by_type: z
    .array(
      z.object({
        type: zServiceType,
        ready: z.boolean(),
        reason: z.string().max(65536).optional(),
        ready_impl_ids: z.array(id).max(256).optional(),
      }),
    )
    .max(256),
  rerun_metrics: z
    .object({
      totalReruns: z.number().min(0),
      successfulReruns: z.number().min(0),
      failedReruns: z.number().min(0),
      timeoutReruns: z.number().min(0),
      qualityImprovements: z.number().min(0),
    })
    .optional(),
  asr_metrics: z.object({ processingEfficiency: z.number().optional() }).optional(),
  processing_metrics: z.object({ serviceEfficiencies: z.record(z.string(), z.number()) }).optional(),
  language_capabilities: zLanguageCapabilities.optional(),
});

// ---- TypeBox and ajv from the one source ----
const schemas = defaultSchemas();
const tbChunk = TypeCompiler.Compile(schemas.sessionInbound.audio_chunk);
const tbHeartbeat = TypeCompiler.Compile(schemas.nodeInbound.node_heartbeat);
const cleanChunk = compileCleaner(schemas.sessionInbound.audio_chunk);
const cleanHeartbeat = compileCleaner(schemas.nodeInbound.node_heartbeat);
const ajv = new Ajv({ strict: false });
const docs = jsonSchemaDocuments();
const ajvChunk = ajv.compile(docs['AudioChunk.json']!);
const ajvHeartbeat = ajv.compile(docs['NodeHeartbeat.json']!);

const chunkText = JSON.stringify(audioChunk);
const heartbeatText = JSON.stringify(heartbeat);

type Case = { name: string; run: () => boolean };
const columns = [
  'TypeBox compiled',
  'zod 4',
  'ajv',
  'TypeBox clean+check',
  'JSON.parse',
  'full decode',
] as const;
const table: Record<string, Record<(typeof columns)[number], Case>> = {
  audio_chunk: {
    'TypeBox compiled': { name: 'tb', run: () => tbChunk.Check(audioChunk) },
    'zod 4': { name: 'zod', run: () => zAudioChunk.safeParse(audioChunk).success },
    ajv: { name: 'ajv', run: () => ajvChunk(audioChunk) },
    'TypeBox clean+check': { name: 'tbc', run: () => tbChunk.Check(cleanChunk(audioChunk)) },
    'JSON.parse': { name: 'parse', run: () => JSON.parse(chunkText) !== null },
    'full decode': { name: 'decode', run: () => decodeSessionFrame(chunkText).ok },
  },
  node_heartbeat: {
    'TypeBox compiled': { name: 'tb', run: () => tbHeartbeat.Check(heartbeat) },
    'zod 4': { name: 'zod', run: () => zHeartbeat.safeParse(heartbeat).success },
    ajv: { name: 'ajv', run: () => ajvHeartbeat(heartbeat) },
    'TypeBox clean+check': { name: 'tbc', run: () => tbHeartbeat.Check(cleanHeartbeat(heartbeat)) },
    'JSON.parse': { name: 'parse', run: () => JSON.parse(heartbeatText) !== null },
    'full decode': { name: 'decode', run: () => decodeNodeFrame(heartbeatText).ok },
  },
};

// Every validator must agree the inputs are valid, or the numbers mean nothing.
for (const [message, row] of Object.entries(table)) {
  for (const [column, c] of Object.entries(row)) {
    if (!c.run()) throw new Error(`${column} rejects the ${message} sample`);
  }
}

/** Iterations that take about ROUND_MS. */
function calibrate(run: () => boolean): number {
  let n = 1000;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run();
    const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (elapsedMs >= 20) return Math.max(1000, Math.round((n * ROUND_MS) / elapsedMs));
    n *= 4;
  }
}

function round(run: () => boolean, n: number): number {
  let ok = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (run()) ok++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (ok !== n) throw new Error('validator result changed during the benchmark');
  return n / seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const results: Record<string, Record<string, number>> = {};
for (const [message, row] of Object.entries(table)) {
  const cases = columns.map((col) => ({
    col,
    run: row[col].run,
    n: calibrate(row[col].run),
    samples: [] as number[],
  }));
  // Rounds interleave the contenders so that drift (thermal, GC, neighbours) hits all of them alike.
  for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.samples.push(round(c.run, c.n));
  results[message] = Object.fromEntries(cases.map((c) => [c.col, median(c.samples)]));
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
console.log(`node ${process.version}, ${ROUNDS} rounds × ~${ROUND_MS} ms, median ops/s`);
console.log(`audio_chunk frame ${chunkText.length} B, node_heartbeat frame ${heartbeatText.length} B\n`);
console.log(`| message | ${columns.join(' | ')} |`);
console.log(`|---|${columns.map(() => '---:').join('|')}|`);
for (const [message, row] of Object.entries(results)) {
  console.log(`| ${message} | ${columns.map((c) => fmt(row[c]!)).join(' | ')} |`);
}
