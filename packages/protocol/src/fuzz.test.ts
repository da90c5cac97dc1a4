import fc from 'fast-check';
import * as assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { DecodeResult } from './decode.js';
import { DEFAULT_LIMITS, MAX_WIRE_INT } from './limits.js';
import { schemaFields, type SchemaField } from './schema/walk.js';
import { CASES, decoders, encoders, setAt, unknownKeyPaths } from './protocol.test-util.js';
import { DIRECTIONS, type Direction } from './schema/names.js';

/**
 * Whatever the input, a decoder answers with a well-formed result or error. Plain checks rather than `expect`:
 * they run tens of thousands of times, and fast-check reports the failing input either way.
 */
function expectWellFormed(r: DecodeResult<unknown>): void {
  if (r.ok) {
    assert.equal(typeof (r.msg as { type?: unknown }).type, 'string');
  } else {
    assert.ok(r.error.code === 'INVALID_MESSAGE' || r.error.code === 'PAYLOAD_TOO_LARGE', r.error.code);
    assert.equal(typeof r.error.message, 'string');
    assert.ok(r.error.path === '' || r.error.path.startsWith('/'), r.error.path);
  }
}

const allDecoders = DIRECTIONS.map((d) => decoders[d]);

/** The same direction on the other socket: its decoder must refuse these frames without throwing. */
const OTHER_SOCKET: Record<Direction, Direction> = {
  nodeInbound: 'sessionInbound',
  sessionInbound: 'nodeInbound',
  nodeOutbound: 'sessionOutbound',
  sessionOutbound: 'nodeOutbound',
};

// Generous per-test limits: the runs are CPU-bound and the machine is shared; there is no waiting here.
const FUZZ_TIMEOUT_MS = 120_000;

describe('decoders never throw', () => {
  it(
    'on 10,000 arbitrary JSON values at every decoder',
    () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const text = JSON.stringify(value);
          for (const decode of allDecoders) expectWellFormed(decode(text));
        }),
        { numRuns: 10_000 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'on arbitrary values that carry a known type',
    () => {
      const types = [...new Set(CASES.map((c) => c.type))];
      fc.assert(
        fc.property(
          fc.constantFrom(...types),
          fc.dictionary(fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 2 }), { maxKeys: 8 }),
          (type, rest) => {
            const text = JSON.stringify({ ...rest, type });
            for (const decode of allDecoders) expectWellFormed(decode(text));
          },
        ),
        { numRuns: 2_000 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  const fieldsOf = new Map(CASES.map((c) => [c, [...schemaFields(c.schema)]] as [typeof c, SchemaField[]]));
  const mutation = fc.record({
    c: fc.constantFrom(...CASES),
    edits: fc.array(
      fc.record({
        field: fc.nat(),
        op: fc.constantFrom('set', 'delete', 'null', 'junk'),
        value: fc.jsonValue({ maxDepth: 3 }),
        key: fc.string({ maxLength: 8 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });

  it(
    'on 10,000 mutated valid frames; accepted ones are clean and re-encode identically',
    () => {
      fc.assert(
        fc.property(mutation, ({ c, edits }) => {
          const msg = c.example();
          const fields = fieldsOf.get(c) as SchemaField[];
          for (const e of edits) {
            const f = fields[e.field % fields.length] as SchemaField;
            if (e.op === 'set') setAt(msg, f.segments, e.value);
            else if (e.op === 'delete') setAt(msg, f.segments, undefined);
            else if (e.op === 'null') setAt(msg, f.segments, null);
            else setAt(msg, [...f.segments.slice(0, -1), `zz${e.key}`], e.value);
          }
          const text = JSON.stringify(msg);
          const r = decoders[c.direction](text);
          expectWellFormed(r);
          expectWellFormed(decoders[OTHER_SOCKET[c.direction]](text));
          if (r.ok) {
            const type = (r.msg as { type: string }).type;
            const schema = CASES.find((x) => x.direction === c.direction && x.type === type)?.schema;
            assert.ok(schema, `no schema for accepted type ${type}`);
            assert.deepEqual(unknownKeyPaths(schema, r.msg), []);
            const again = decoders[c.direction](encoders[c.direction](r.msg as never));
            assert.deepStrictEqual(again, { ok: true, msg: withoutFalseCutFlags(r.msg) });
          }
        }),
        { numRuns: 10_000 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'on truncated, spliced and random-byte frames',
    () => {
      const frames = CASES.map((c) => ({ c, text: JSON.stringify(c.example()) }));
      fc.assert(
        fc.property(
          fc.constantFrom(...frames),
          fc.nat(),
          fc.string({ maxLength: 4 }),
          fc.uint8Array({ maxLength: 64 }),
          ({ c, text }, at, insert, bytes) => {
            const i = at % (text.length + 1);
            const decode = decoders[c.direction];
            expectWellFormed(decode(text.slice(0, i)));
            expectWellFormed(decode(text.slice(0, i) + insert + text.slice(i)));
            expectWellFormed(decode(Buffer.concat([Buffer.from(text.slice(0, i)), bytes])));
          },
        ),
        { numRuns: 3_000 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('bounds hold for arbitrary values', () => {
  const utterance = CASES.find((c) => c.direction === 'sessionInbound' && c.type === 'utterance')!;
  const init = CASES.find((c) => c.direction === 'sessionInbound' && c.type === 'session_init')!;

  it(
    'utterance_index is accepted exactly when it is an integer in 0 … 2^31−1',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.integer({ min: -10, max: 10 }),
            fc.integer({ min: MAX_WIRE_INT - 10, max: MAX_WIRE_INT + 10 }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.maxSafeInteger(),
          ),
          (n) => {
            const msg = utterance.example();
            msg.utterance_index = n;
            const r = decoders.sessionInbound(JSON.stringify(msg));
            // JSON.stringify(-0) is "0", which is a valid index.
            const valid = Number.isInteger(n) && n >= 0 && n <= MAX_WIRE_INT;
            assert.equal(r.ok, valid, String(n));
            if (!r.ok) assert.equal(r.error.path, '/utterance_index');
          },
        ),
        { numRuns: 3_000 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'features is accepted exactly when its JSON fits the byte cap and its keys the key cap',
    () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 80 }),
          (features) => {
            const known = new Set(Object.keys(init.example().features as object));
            // Known flags must be booleans; keep the map free-form only.
            for (const k of Object.keys(features)) if (known.has(k)) delete features[k];
            const msg = init.example();
            msg.features = features;
            const r = decoders.sessionInbound(JSON.stringify(msg));
            const json = JSON.stringify(features);
            const valid =
              Object.keys(features).length <= DEFAULT_LIMITS.maxMapKeys &&
              Buffer.byteLength(json, 'utf8') <= DEFAULT_LIMITS.maxMapBytes;
            assert.equal(r.ok, valid, json.slice(0, 80));
            if (!r.ok) assert.equal(r.error.path, '/features');
          },
        ),
        { numRuns: 2_000 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

/** job_assign's cut flags are encoded only when true, so a decoded `false` comes back absent. */
function withoutFalseCutFlags(msg: unknown): unknown {
  const m = { ...(msg as Record<string, unknown>) };
  if (m.type === 'job_assign') {
    for (const k of ['is_manual_cut', 'is_timeout_triggered', 'is_max_duration_triggered']) {
      if (m[k] === false) delete m[k];
    }
  }
  return m;
}
