import { Kind, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { createDecoders, decodeNodeFrame, decodeSessionFrame, type DecodeResult } from './decode.js';
import { DEFAULT_LIMITS, MAX_WIRE_INT, MAX_WIRE_MS } from './limits.js';
import { ProtocolError } from './errors.js';
import { NODE_INBOUND_EXAMPLES, SESSION_INBOUND_EXAMPLES } from './examples.js';
import { schemaFields } from './schema/walk.js';
import { CASES, decoders, encoders, getAt, setAt, unknownKeyPaths, type Json } from './protocol.test-util.js';

function expectError(r: DecodeResult<unknown>, path: string, code = 'INVALID_MESSAGE'): void {
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.code).toBe(code);
    expect(r.error.path).toBe(path);
  }
}

/** A value of the wrong JSON type for the schema, or undefined where any value is allowed. */
function wrongValue(schema: TSchema): unknown {
  switch (schema[Kind]) {
    case 'String':
    case 'Literal':
    case 'Union':
      return 12345;
    case 'Number':
    case 'Integer':
    case 'Boolean':
      return 'not-a-scalar';
    case 'Object':
    case 'Record':
    case 'Array':
      return 'not-a-container';
    default:
      return undefined;
  }
}

const fieldCases = CASES.flatMap((c) => [...schemaFields(c.schema)].map((field) => ({ ...c, field })));

describe('examples', () => {
  it.each(fieldCases.map((f) => [`${f.direction} ${f.type} ${f.field.path}`, f] as const))(
    'populate %s',
    (_name, f) => {
      // Table-driven tests below rely on every declared field being present in the example.
      expect(getAt(f.example(), f.field.segments)).not.toBeUndefined();
    },
  );
});

describe('round trip (encode → decode)', () => {
  it.each(CASES.map((c) => [`${c.direction} ${c.type}`, c] as const))('full %s', (_name, c) => {
    const example = c.example();
    const r = decoders[c.direction](encoders[c.direction](example as never));
    expect(r).toEqual({ ok: true, msg: example });
  });

  it.each(CASES.map((c) => [`${c.direction} ${c.type}`, c] as const))(
    'required fields only %s',
    (_name, c) => {
      const minimal = c.example();
      for (const field of [...schemaFields(c.schema)].reverse()) {
        if (!field.required) setAt(minimal, field.segments, undefined);
      }
      const r = decoders[c.direction](encoders[c.direction](minimal as never));
      expect(r).toEqual({ ok: true, msg: minimal });
    },
  );
});

describe('required fields', () => {
  const required = fieldCases.filter((f) => f.field.required);
  it('covers every message', () => {
    expect(new Set(required.map((f) => `${f.direction}/${f.type}`)).size).toBe(CASES.length);
  });
  it.each(required.map((f) => [`${f.direction} ${f.type} ${f.field.path}`, f] as const))(
    'absence rejected: %s',
    (_name, f) => {
      const msg = f.example();
      setAt(msg, f.field.segments, undefined);
      const r = decoders[f.direction](JSON.stringify(msg));
      expectError(r, f.field.path);
      if (!r.ok && f.field.path !== '/type') expect(r.error.type).toBe(f.type);
    },
  );
});

describe('wrong types', () => {
  const typed = fieldCases.filter((f) => wrongValue(f.field.schema) !== undefined);
  it.each(typed.map((f) => [`${f.direction} ${f.type} ${f.field.path}`, f] as const))(
    'rejected: %s',
    (_name, f) => {
      const msg = f.example();
      setAt(msg, f.field.segments, wrongValue(f.field.schema));
      expectError(decoders[f.direction](JSON.stringify(msg)), f.field.path);
    },
  );

  it('rejects enum values outside the set', () => {
    const msg = structuredClone(NODE_INBOUND_EXAMPLES.node_register) as Json;
    msg.platform = 'beos';
    expectError(decodeNodeFrame(JSON.stringify(msg)), '/platform');
  });

  it('rejects non-integers, negatives and non-finite numbers where counts are expected', () => {
    const chunk = { ...SESSION_INBOUND_EXAMPLES.audio_chunk } as Json;
    expectError(decodeSessionFrame(JSON.stringify({ ...chunk, seq: 1.5 })), '/seq');
    expectError(decodeSessionFrame(JSON.stringify({ ...chunk, seq: -1 })), '/seq');
    expectError(decodeSessionFrame(JSON.stringify(chunk).replace('"seq":17', '"seq":1e400')), '/seq');
  });
});

describe('unknown fields', () => {
  it.each(CASES.map((c) => [`${c.direction} ${c.type}`, c] as const))(
    'kept out of the result: %s',
    (_name, c) => {
      const msg = c.example();
      const expected = c.example();
      msg.zz_unknown = { nested: true };
      const fields = [...schemaFields(c.schema)];
      const freeForm = fields.filter((f) => f.schema.freeForm === true).map((f) => f.path);
      for (const f of fields) {
        const insideFreeForm = freeForm.some((p) => f.path === p || f.path.startsWith(`${p}/`));
        const target = getAt(msg, f.segments);
        if (f.schema[Kind] === 'Object' && !insideFreeForm && typeof target === 'object') {
          (target as Json).zz_unknown = 1;
        }
      }
      const r = decoders[c.direction](JSON.stringify(msg));
      expect(r).toEqual({ ok: true, msg: expected });
      if (r.ok) expect(unknownKeyPaths(c.schema, r.msg)).toEqual([]);
    },
  );

  it('are kept inside free-form maps', () => {
    const result = structuredClone(NODE_INBOUND_EXAMPLES.job_result) as Json;
    (result.extra as Json).custom_metric = { a: 1 };
    (result.error as Json).details = { anything: [1, 'two'] };
    const r = decodeNodeFrame(JSON.stringify(result));
    expect(r.ok && r.msg.type === 'job_result' && r.msg.extra).toMatchObject({ custom_metric: { a: 1 } });
    expect(r.ok && r.msg.type === 'job_result' && r.msg.error?.details).toEqual({ anything: [1, 'two'] });

    const hb = structuredClone(NODE_INBOUND_EXAMPLES.node_heartbeat) as Json;
    hb.processing_metrics = { serviceEfficiencies: { 'svc-a': 0.5, 'svc-b': 1.5 } };
    const h = decodeNodeFrame(JSON.stringify(hb));
    expect(h.ok && h.msg.type === 'node_heartbeat' && h.msg.processing_metrics).toEqual({
      serviceEfficiencies: { 'svc-a': 0.5, 'svc-b': 1.5 },
    });

    const init = {
      ...SESSION_INBOUND_EXAMPLES.session_init,
      features: { emotion_detection: true, future_flag: 'x' },
    };
    const s = decodeSessionFrame(JSON.stringify(init));
    expect(s.ok && s.msg.type === 'session_init' && s.msg.features).toEqual({
      emotion_detection: true,
      future_flag: 'x',
    });
  });

  it('are stripped even when named like Object.prototype members, without polluting it', () => {
    const r = decodeSessionFrame(
      '{"type":"client_heartbeat","session_id":"s","timestamp":1,"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
    );
    expect(r).toEqual({ ok: true, msg: { type: 'client_heartbeat', session_id: 's', timestamp: 1 } });
    expect(({} as Json).polluted).toBeUndefined();
  });
});

describe('null as absent', () => {
  it('accepts null for dialect, pairing_code and tenant_id in session_init and removes them', () => {
    const init = {
      ...SESSION_INBOUND_EXAMPLES.session_init,
      dialect: null,
      pairing_code: null,
      tenant_id: null,
    };
    const r = decodeSessionFrame(JSON.stringify(init));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.msg).not.toHaveProperty('dialect');
      expect(r.msg).not.toHaveProperty('pairing_code');
      expect(r.msg).not.toHaveProperty('tenant_id');
    }
  });

  it('accepts node_id null on a first node_register, and null dialect of installed models', () => {
    const reg = structuredClone(NODE_INBOUND_EXAMPLES.node_register) as Json;
    reg.node_id = null;
    (reg.installed_models as Json[])[0]!.dialect = null;
    const r = decodeNodeFrame(JSON.stringify(reg));
    expect(r.ok).toBe(true);
    if (r.ok && r.msg.type === 'node_register') {
      expect(r.msg).not.toHaveProperty('node_id');
      expect(r.msg.installed_models[0]).not.toHaveProperty('dialect');
    }
  });

  it('rejects null anywhere else', () => {
    expectError(
      decodeNodeFrame(JSON.stringify({ ...NODE_INBOUND_EXAMPLES.node_heartbeat, node_id: null })),
      '/node_id',
    );
    expectError(
      decodeSessionFrame(JSON.stringify({ ...SESSION_INBOUND_EXAMPLES.session_init, trace_id: null })),
      '/trace_id',
    );
    expectError(
      decodeSessionFrame(JSON.stringify({ ...SESSION_INBOUND_EXAMPLES.audio_chunk, payload: null })),
      '/payload',
    );
  });
});

describe('frame-level errors', () => {
  it('unparseable JSON → path ""', () => {
    expectError(decodeNodeFrame('{"type":'), '');
    expectError(decodeSessionFrame(''), '');
  });
  it('non-object JSON → path ""', () => {
    for (const text of ['[]', '1', '"node_heartbeat"', 'null', 'true'])
      expectError(decodeNodeFrame(text), '');
  });
  it('missing, non-string or unknown type → path /type', () => {
    expectError(decodeNodeFrame('{}'), '/type');
    expectError(decodeNodeFrame('{"type":7}'), '/type');
    expectError(decodeNodeFrame('{"type":"toString"}'), '/type');
    expectError(decodeNodeFrame('{"type":"__proto__"}'), '/type');
    // A message of the other socket is unknown here.
    expectError(decodeNodeFrame(JSON.stringify(SESSION_INBOUND_EXAMPLES.audio_chunk)), '/type');
    expectError(decodeSessionFrame(JSON.stringify(NODE_INBOUND_EXAMPLES.node_heartbeat)), '/type');
  });
  it('accepts the frame shapes ws delivers: Buffer, ArrayBuffer, fragments', () => {
    const text = JSON.stringify(SESSION_INBOUND_EXAMPLES.audio_chunk);
    const buf = Buffer.from(text);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const parts = [buf.subarray(0, 10), buf.subarray(10)];
    for (const frame of [buf, ab, parts, new Uint8Array(buf)]) {
      expect(decodeSessionFrame(frame)).toEqual({ ok: true, msg: SESSION_INBOUND_EXAMPLES.audio_chunk });
    }
  });
});

describe('limits', () => {
  const hb = NODE_INBOUND_EXAMPLES.node_heartbeat;

  it('ids ≤ 128, language codes ≤ 16, text ≤ 64 Ki, arrays ≤ 256 at the defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxFrameBytes: 1048576,
      maxIdLength: 128,
      maxLangLength: 16,
      maxTextLength: 65536,
      maxArrayItems: 256,
      maxMapBytes: 4096,
      maxMapKeys: 64,
    });
    const chunk = SESSION_INBOUND_EXAMPLES.audio_chunk;
    expect(decodeSessionFrame(JSON.stringify({ ...chunk, session_id: 'x'.repeat(128) })).ok).toBe(true);
    expectError(decodeSessionFrame(JSON.stringify({ ...chunk, session_id: 'x'.repeat(129) })), '/session_id');

    const init = SESSION_INBOUND_EXAMPLES.session_init;
    expect(decodeSessionFrame(JSON.stringify({ ...init, tgt_lang: 'x'.repeat(16) })).ok).toBe(true);
    expectError(decodeSessionFrame(JSON.stringify({ ...init, tgt_lang: 'x'.repeat(17) })), '/tgt_lang');
    expectError(
      decodeSessionFrame(JSON.stringify({ ...init, auto_langs: ['en', 'x'.repeat(17)] })),
      '/auto_langs/1',
    );

    const result = NODE_INBOUND_EXAMPLES.job_result;
    expect(decodeNodeFrame(JSON.stringify({ ...result, text_translated: 'y'.repeat(65536) })).ok).toBe(true);
    expectError(
      decodeNodeFrame(JSON.stringify({ ...result, text_translated: 'y'.repeat(65537) })),
      '/text_translated',
    );

    const services = Array.from({ length: 257 }, () => hb.installed_services[0]);
    expect(decodeNodeFrame(JSON.stringify({ ...hb, installed_services: services.slice(1) })).ok).toBe(true);
    expectError(
      decodeNodeFrame(JSON.stringify({ ...hb, installed_services: services })),
      '/installed_services',
    );
  });

  it('frames over 1 MiB are PAYLOAD_TOO_LARGE, counted in UTF-8 bytes', () => {
    const chunk = SESSION_INBOUND_EXAMPLES.audio_chunk;
    const frame = (payloadLen: number) => JSON.stringify({ ...chunk, payload: 'A'.repeat(payloadLen) });
    const overhead = frame(0).length;
    expect(decodeSessionFrame(frame(1048576 - overhead)).ok).toBe(true);
    expectError(decodeSessionFrame(frame(1048577 - overhead)), '', 'PAYLOAD_TOO_LARGE');
    expectError(decodeSessionFrame(Buffer.from(frame(1048577 - overhead))), '', 'PAYLOAD_TOO_LARGE');
    // 400 Ki CJK characters: 400 Ki UTF-16 units but 1.2 MiB of UTF-8.
    const wide = JSON.stringify({
      ...SESSION_INBOUND_EXAMPLES.session_close,
      reason: '语'.repeat(400 * 1024),
    });
    expect(wide.length).toBeLessThan(1048576);
    expectError(decodeSessionFrame(wide), '', 'PAYLOAD_TOO_LARGE');
  });

  it('createDecoders(limits) overrides them', () => {
    const d = createDecoders({
      maxIdLength: 8,
      maxFrameBytes: 4096,
      maxArrayItems: 2,
      maxLangLength: 3,
      maxTextLength: 5,
    });
    expect(d.limits).toMatchObject({ maxIdLength: 8, maxFrameBytes: 4096 });
    const chunk = { ...SESSION_INBOUND_EXAMPLES.audio_chunk, payload: 'AAAA' };
    expect(d.decodeSessionFrame(JSON.stringify({ ...chunk, session_id: '12345678' })).ok).toBe(true);
    expectError(d.decodeSessionFrame(JSON.stringify({ ...chunk, session_id: '123456789' })), '/session_id');
    expectError(
      d.decodeSessionFrame(JSON.stringify({ ...chunk, payload: 'A'.repeat(5000) })),
      '',
      'PAYLOAD_TOO_LARGE',
    );
    expectError(
      d.decodeSessionFrame(
        JSON.stringify({
          ...SESSION_INBOUND_EXAMPLES.session_init,
          client_version: '1',
          trace_id: 't',
          src_lang: 'zh-Hant',
        }),
      ),
      '/src_lang',
    );
    expectError(
      d.decodeSessionFrame(
        JSON.stringify({ ...SESSION_INBOUND_EXAMPLES.session_close, session_id: 's', reason: 'toolong' }),
      ),
      '/reason',
    );
    // Other decoder sets keep their own limits.
    expect(decodeSessionFrame(JSON.stringify({ ...chunk, session_id: '123456789' })).ok).toBe(true);
  });

  it('rejects nonsensical limits with a typed error', () => {
    expect(() => createDecoders({ maxIdLength: 0 })).toThrow(ProtocolError);
    try {
      createDecoders({ maxFrameBytes: Number.NaN });
    } catch (err) {
      expect((err as ProtocolError).code).toBe('INVALID_LIMITS');
    }
    expect.assertions(2);
  });
});

describe('bounded numbers', () => {
  const bounded = fieldCases.filter((f) => typeof f.field.schema.maximum === 'number');

  it('every integer is bounded by MAX_WIRE_INT and every millisecond field by MAX_WIRE_MS', () => {
    const integers = fieldCases.filter((f) => f.field.schema[Kind] === 'Integer');
    expect(integers.length).toBeGreaterThan(10);
    for (const f of integers) expect(f.field.schema.maximum, f.field.path).toBe(MAX_WIRE_INT);
    const maxima = new Set(bounded.map((f) => f.field.schema.maximum as number));
    expect([...maxima].sort((a, b) => a - b)).toEqual([MAX_WIRE_INT, MAX_WIRE_MS]);
    // The bounds survive Lua's cjson (14 significant digits) and every 32-bit client.
    expect(MAX_WIRE_INT).toBe(2147483647);
    expect(String(MAX_WIRE_MS).length).toBeLessThanOrEqual(14);
    const named = new Set(bounded.map((f) => `${f.type} ${f.field.path}`));
    for (const name of [
      'session_init /resume/received_through',
      'audio_chunk /seq',
      'utterance /utterance_index',
      'job_result /attempt_id',
      'job_result /part_index',
      'job_result /node_completed_at_ms',
      'node_heartbeat /timestamp',
      'client_heartbeat /timestamp',
    ]) {
      expect(named.has(name), name).toBe(true);
    }
  });

  it.each(bounded.map((f) => [`${f.direction} ${f.type} ${f.field.path}`, f] as const))(
    'at the bound accepted, above it rejected: %s',
    (_name, f) => {
      const max = f.field.schema.maximum as number;
      const msg = f.example();
      setAt(msg, f.field.segments, max);
      expect(decoders[f.direction](JSON.stringify(msg)).ok).toBe(true);
      setAt(msg, f.field.segments, max + 1);
      expectError(decoders[f.direction](JSON.stringify(msg)), f.field.path);
      // What Lua would round: 17 significant digits.
      setAt(msg, f.field.segments, 2 ** 56 + 8);
      expectError(decoders[f.direction](JSON.stringify(msg)), f.field.path);
    },
  );
});

describe('free-form maps', () => {
  const maps = fieldCases.filter((f) => f.field.schema.freeForm === true);
  /** A map whose JSON is exactly `bytes` bytes: one key of numbers. */
  const ofBytes = (bytes: number): Json => ({ ['k'.repeat(bytes - '{"":1}'.length)]: 1 });
  const ofKeys = (n: number): Json => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

  it('cover features, extra, details and the other free maps', () => {
    const named = new Set(maps.map((f) => `${f.type} ${f.field.path}`));
    for (const name of [
      'session_init /features',
      'utterance /features',
      'job_result /extra',
      'job_result /error/details',
      'node_error /details',
      'node_heartbeat /processing_metrics/serviceEfficiencies',
      'translation_result /extra',
      'error /details',
    ]) {
      expect(named.has(name), name).toBe(true);
    }
    expect(JSON.stringify(ofBytes(4096)).length).toBe(4096);
  });

  it.each(maps.map((f) => [`${f.direction} ${f.type} ${f.field.path}`, f] as const))(
    'capped by serialized size and key count: %s',
    (_name, f) => {
      const decode = decoders[f.direction];
      const msg = f.example();
      setAt(msg, f.field.segments, ofBytes(DEFAULT_LIMITS.maxMapBytes));
      expect(decode(JSON.stringify(msg)).ok).toBe(true);
      setAt(msg, f.field.segments, ofBytes(DEFAULT_LIMITS.maxMapBytes + 1));
      const r = decode(JSON.stringify(msg));
      expectError(r, f.field.path);
      if (!r.ok) expect(r.error.message).toContain('4096 bytes');

      setAt(msg, f.field.segments, ofKeys(DEFAULT_LIMITS.maxMapKeys));
      expect(decode(JSON.stringify(msg)).ok).toBe(true);
      setAt(msg, f.field.segments, ofKeys(DEFAULT_LIMITS.maxMapKeys + 1));
      expectError(decode(JSON.stringify(msg)), f.field.path);
    },
  );

  it('count nested values and UTF-8 bytes, not characters', () => {
    const init = { ...SESSION_INBOUND_EXAMPLES.session_init };
    const nested = { a: { b: { c: 'x'.repeat(4000) } }, d: ['y'.repeat(200)] };
    expectError(decodeSessionFrame(JSON.stringify({ ...init, features: nested })), '/features');
    // 1,500 CJK characters: 1,500 UTF-16 units but 4,500 bytes of UTF-8.
    const wide = { note: '语'.repeat(1500) };
    expect(JSON.stringify(wide).length).toBeLessThan(4096);
    expectError(decodeSessionFrame(JSON.stringify({ ...init, features: wide })), '/features');
  });

  it('createDecoders(limits) sets both caps', () => {
    const d = createDecoders({ maxMapBytes: 64, maxMapKeys: 2 });
    const init = { ...SESSION_INBOUND_EXAMPLES.session_init };
    expect(d.decodeSessionFrame(JSON.stringify({ ...init, features: { a: 1, b: 2 } })).ok).toBe(true);
    expectError(
      d.decodeSessionFrame(JSON.stringify({ ...init, features: { a: 1, b: 2, c: 3 } })),
      '/features',
    );
    expectError(
      d.decodeSessionFrame(JSON.stringify({ ...init, features: { a: 'z'.repeat(60) } })),
      '/features',
    );
    expect(decodeSessionFrame(JSON.stringify({ ...init, features: { a: 'z'.repeat(60) } })).ok).toBe(true);
  });
});

describe('node measurements', () => {
  it('accepts any finite number for self-reported readings (a negative reading must not drop a node)', () => {
    const hb = structuredClone(NODE_INBOUND_EXAMPLES.node_heartbeat) as Json;
    (hb.resource_usage as Json).cpu_percent = -1;
    expect(decodeNodeFrame(JSON.stringify(hb)).ok).toBe(true);
    (hb.resource_usage as Json).running_jobs = -1;
    expectError(decodeNodeFrame(JSON.stringify(hb)), '/resource_usage/running_jobs');
  });
});
