/**
 * Test support: fast-check generators of malformed and hostile WebSocket frames for the gateway's two sockets.
 * A frame is drawn from arbitrary JSON, protocol messages (every example of every direction) with fields
 * mutated, non-JSON text, binary frames, text frames that are not UTF-8, frames over the size limit and valid
 * messages sent at the wrong time.
 *
 * Message frames are kept as values until they are sent (`frameWire`), so that the socket's real node or
 * session id can be planted where the example's id still stands, and so that nesting deeper than JSON.stringify
 * can handle is spliced in as text (a marker string stands for it in the value).
 */
import fc from 'fast-check';
import {
  NODE_INBOUND_EXAMPLES,
  NODE_OUTBOUND_EXAMPLES,
  SESSION_INBOUND_EXAMPLES,
  SESSION_OUTBOUND_EXAMPLES,
} from '@lingua/protocol';

export type HostileFrame =
  /** A JSON value, serialised when sent (`plantIds`: put the socket's own ids where the example's stand). */
  | { kind: 'json'; value: unknown; plantIds: boolean }
  /** Text that is not (or not only) JSON. */
  | { kind: 'text'; text: string }
  /** A binary frame. */
  | { kind: 'binary'; bytes: Uint8Array }
  /** A text frame whose payload is not UTF-8: the WebSocket layer must close with 1007. */
  | { kind: 'badUtf8'; bytes: Uint8Array }
  /** A text frame over the frame limit: the WebSocket layer must close with 1009. */
  | { kind: 'oversize'; text: string }
  /** A message whose `FILL` string is padded with `unit` until the frame is exactly `bytes` long. */
  | { kind: 'fill'; value: unknown; plantIds: boolean; bytes: number; unit: string };

/** What is put on the wire: a text frame (string or raw bytes) or a binary frame. */
export interface WireFrame {
  data: string | Uint8Array;
  binary: boolean;
}

/** The ids the examples use, replaced by a socket's real ones when `plantIds` is set. */
export const EXAMPLE_IDS = Object.freeze({
  node_id: 'node-7f3a',
  session_id: 'sess-91c2',
  job_id: 'job-0042',
});

export interface PlantedIds {
  node_id?: string;
  session_id?: string;
}

type Json = Record<string, unknown>;

const ALL_EXAMPLES: readonly Json[] = [
  NODE_INBOUND_EXAMPLES,
  NODE_OUTBOUND_EXAMPLES,
  SESSION_INBOUND_EXAMPLES,
  SESSION_OUTBOUND_EXAMPLES,
].flatMap((set) => Object.values(set) as Json[]);

const INBOUND: Record<'node' | 'session', readonly Json[]> = {
  node: Object.values(NODE_INBOUND_EXAMPLES) as Json[],
  session: Object.values(SESSION_INBOUND_EXAMPLES) as Json[],
};

const copy = (v: Json): Json => JSON.parse(JSON.stringify(v)) as Json;

/** Every path (object keys and array positions) of a value, depth first. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i], ...pathsOf(v, [...prefix, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  }
  return out;
}

const PATHS = new Map<Json, (string | number)[][]>(ALL_EXAMPLES.map((e) => [e, pathsOf(e)]));

/** The container of `path` in `root` (created as objects where missing) and the last segment. */
function parentOf(root: Json, path: readonly (string | number)[]): [Record<string, unknown>, string] {
  let node: Record<string, unknown> = root;
  for (const seg of path.slice(0, -1)) {
    const next = node[String(seg)];
    if (typeof next !== 'object' || next === null) {
      const fresh: Record<string, unknown> = {};
      node[String(seg)] = fresh;
      node = fresh;
    } else node = next as Record<string, unknown>;
  }
  return [node, String(path[path.length - 1])];
}

/** Sets an own property even for names like `__proto__` (a plain assignment would change the prototype). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const DEEP = /"@@deep:(array|object):(\d+)@@"/g;

/** A marker that `frameWire` replaces with `depth` levels of nesting. */
function deepMarker(kind: 'array' | 'object', depth: number): string {
  return `@@deep:${kind}:${depth}@@`;
}

function deepText(kind: string, depth: number): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
}

const FILL = '@@fill@@';

/** `value` as JSON text, with the socket's ids planted where asked and deep-nesting markers expanded. */
function jsonText(value: unknown, plantIds: boolean, ids: PlantedIds): string {
  if (plantIds && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = { ...(value as Json) };
    if (ids.node_id !== undefined && v.node_id === EXAMPLE_IDS.node_id) v.node_id = ids.node_id;
    if (ids.session_id !== undefined && v.session_id === EXAMPLE_IDS.session_id)
      v.session_id = ids.session_id;
    value = v;
  }
  const text = JSON.stringify(value) ?? 'undefined';
  return text.replace(DEEP, (_m, kind: string, depth: string) => deepText(kind, Number(depth)));
}

/** The frame as it goes on the wire, with the socket's ids planted when the frame asks for it. */
export function frameWire(frame: HostileFrame, ids: PlantedIds): WireFrame {
  switch (frame.kind) {
    case 'json':
      return { data: jsonText(frame.value, frame.plantIds, ids), binary: false };
    case 'fill': {
      const [head = '', tail = ''] = jsonText(frame.value, frame.plantIds, ids).split(FILL);
      const room = Math.max(0, frame.bytes - Buffer.byteLength(head) - Buffer.byteLength(tail));
      const unitBytes = Buffer.byteLength(frame.unit);
      const fill = frame.unit.repeat(Math.floor(room / unitBytes)) + 'x'.repeat(room % unitBytes);
      return { data: head + fill + tail, binary: false };
    }
    case 'text':
    case 'oversize':
      return { data: frame.text, binary: false };
    case 'binary':
      return { data: frame.bytes, binary: true };
    case 'badUtf8':
      return { data: frame.bytes, binary: false };
  }
}

/** Strings that tend to break things: lone surrogates, BOM, bidi overrides, NUL and other controls, braces. */
const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0001\u001f\u007f',
  '\n\r\t',
  '\ud800',
  '\udfff',
  '\udbff\udfff',
  '\ufeff',
  '\u202e',
  '\u2028\u2029',
  '\uffff',
  '👩‍👩‍👧‍👦',
  'e\u0301',
  '{',
  '}',
  '{x}',
  '}{',
  '{}',
  'a{b}c',
  '*',
  '..',
  '../../etc/passwd',
  '%00',
  '$1',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e308',
  '9007199254740993',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'auto',
  '"',
  '\\',
];

const EDGE_NUMBERS = [
  0,
  -0,
  -1,
  -2,
  0.5,
  -0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2, // 2^53+1 is not a double; its text form is sent by `EDGE_TEXTS`
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER,
];

/** Values as text where JSON.stringify cannot produce them (e.g. 2^53+1 and exponent forms). */
const EDGE_NUMBER_TEXTS = [
  '9007199254740993',
  '-9007199254740993',
  '1e400',
  '-1e400',
  '1E+2',
  '-0.0',
  '0e0',
  '1.0',
];

/** Characters huge strings are made of: 1–4 UTF-8 bytes, or escaped by JSON into several. */
const FILL_UNITS = ['a', 'é', '中', '😀', '\u0000', '{', '"', '\\'];

/** Bytes a character takes inside a JSON string on the wire. */
function wireBytes(ch: string): number {
  return Buffer.byteLength(JSON.stringify(ch)) - 2;
}

/** An object carrying prototype-polluting keys as own properties. */
function protoObject(inner: unknown): Json {
  const o: Json = {};
  setOwn(o, '__proto__', inner);
  setOwn(o, 'constructor', { prototype: inner });
  setOwn(o, 'prototype', inner);
  return o;
}

/** A value of the wrong kind, an edge number or string, nesting, a huge array or a prototype trap. */
function hostileValue(maxBytes: number): fc.Arbitrary<unknown> {
  // A third of the frame at most, so that a frame with several edits still fits; `atLimit` fills frames whole.
  const huge = Math.max(16, Math.floor(maxBytes / 3));
  return fc.oneof(
    { arbitrary: fc.constantFrom<unknown>(...EDGE_STRINGS), weight: 6 },
    { arbitrary: fc.constantFrom<unknown>(...EDGE_NUMBERS), weight: 6 },
    { arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }), weight: 3 },
    { arbitrary: fc.double(), weight: 2 },
    { arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
    {
      // a huge string of one character
      arbitrary: fc
        .tuple(fc.constantFrom(...FILL_UNITS), fc.integer({ min: 1, max: huge }))
        .map(([ch, bytes]) => ch.repeat(Math.max(1, Math.floor(bytes / wireBytes(ch))))),
      weight: 2,
    },
    {
      // a huge array (mostly beyond the array limit)
      arbitrary: fc
        .tuple(fc.constantFrom<unknown>(0, 'x', null, {}, []), fc.integer({ min: 1, max: huge }))
        .map(([item, bytes]) =>
          Array.from(
            { length: Math.max(1, Math.floor(bytes / (JSON.stringify(item).length + 1))) },
            () => item,
          ),
        ),
      weight: 2,
    },
    {
      // nesting deeper than anything legitimate, up to half the frame: enough to overflow recursive code
      arbitrary: fc
        .tuple(
          fc.constantFrom<'array' | 'object'>('array', 'object'),
          fc.integer({ min: 2, max: maxBytes / 2 }),
        )
        .map(([kind, bytes]) => deepMarker(kind, Math.floor(bytes / (kind === 'array' ? 2 : 6)))),
      weight: 2,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map(protoObject), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  );
}

type Edit =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'null'; at: number }
  | { op: 'key'; at: number; key: string; value: unknown }
  | { op: 'type'; value: unknown }
  /** An id field (`*_id`, `token`, `code`) set to a hostile id. */
  | { op: 'id'; at: number; value: string };

/** Ids that must never reach a Redis key or a log line unchecked: hash-tag braces, controls, odd unicode. */
const hostileId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_STRINGS.filter((v) => typeof v === 'string')),
  fc
    .tuple(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('{', '}', '{}', '}{', '\u0000', '\n', '\ud800', ':', '*'),
    )
    .map(([a, b]) => `${a}${b}${a}`),
  fc.string({ unit: 'binary', maxLength: 129 }),
  fc.integer({ min: 120, max: 140 }).map((n) => 'i'.repeat(n)),
);

const isIdField = (path: readonly (string | number)[]): boolean => {
  const last = String(path[path.length - 1]);
  return last.endsWith('_id') || last === 'token' || last === 'node_token' || last === 'code';
};

/** A message (any direction: the other socket's and outbound messages are hostile here too) with edits. */
function mutatedMessage(endpoint: 'node' | 'session', maxBytes: number): fc.Arbitrary<HostileFrame> {
  const value = hostileValue(maxBytes);
  const at = fc.nat();
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('set' as const), at, value }), weight: 6 },
    { arbitrary: fc.record({ op: fc.constant('delete' as const), at }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('id' as const), at, value: hostileId }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('null' as const), at }), weight: 2 },
    {
      arbitrary: fc.record({
        op: fc.constant('key' as const),
        at,
        key: fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'type'),
          fc.string({ maxLength: 8 }),
        ),
        value,
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        op: fc.constant('type' as const),
        value: fc.oneof(
          fc.constantFrom<unknown>(...ALL_EXAMPLES.map((e) => e.type)),
          fc.constantFrom<unknown>('', 'ERROR', 'node_register ', '__proto__', 'constructor', 'toString'),
          value,
        ),
      }),
      weight: 1,
    },
  );
  const base = fc.oneof(
    { arbitrary: fc.constantFrom(...INBOUND[endpoint]), weight: 4 },
    { arbitrary: fc.constantFrom(...ALL_EXAMPLES), weight: 1 },
  );
  return fc
    .record({ base, edits: fc.array(edit, { minLength: 1, maxLength: 4 }), plantIds: fc.boolean() })
    .map(({ base: example, edits, plantIds }) => {
      const paths = PATHS.get(example) ?? [];
      const msg = copy(example);
      for (const e of edits) {
        if (e.op === 'type') {
          msg.type = e.value;
          continue;
        }
        if (e.op === 'id') {
          const idPaths = paths.filter(isIdField);
          const path = idPaths[e.at % Math.max(1, idPaths.length)];
          if (path !== undefined) {
            const [parent, key] = parentOf(msg, path);
            setOwn(parent, key, e.value);
          }
          continue;
        }
        const path = paths[e.at % Math.max(1, paths.length)] ?? ['type'];
        const [parent, key] = parentOf(msg, path);
        if (e.op === 'set') setOwn(parent, key, e.value);
        else if (e.op === 'delete') delete parent[key];
        else if (e.op === 'null') setOwn(parent, key, null);
        else setOwn(parent, e.key, e.value);
      }
      return { kind: 'json' as const, value: msg, plantIds };
    });
}

/**
 * A message filled to the frame limit (exactly, or up to 64 bytes below): one of its strings, or an unknown
 * field, is padded with `unit` characters. Ids and text fields then break their own limits; an unknown field
 * leaves a valid frame of the largest size there is.
 */
function atLimit(endpoint: 'node' | 'session', maxBytes: number): fc.Arbitrary<HostileFrame> {
  return fc
    .record({
      example: fc.constantFrom(...INBOUND[endpoint]),
      at: fc.nat(),
      slack: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 64 })),
      unit: fc.constantFrom('x', ...FILL_UNITS.filter((u) => wireBytes(u) === Buffer.byteLength(u))),
      plantIds: fc.boolean(),
    })
    .map(({ example, at, slack, unit, plantIds }) => {
      const msg = copy(example);
      const strings = (PATHS.get(example) ?? []).filter((p) => {
        const [parent, key] = parentOf(copy(example), p);
        return typeof parent[key] === 'string' && key !== 'type';
      });
      const path = strings[at % (strings.length + 1)] ?? ['zz_pad'];
      const [parent, key] = parentOf(msg, path);
      parent[key] = FILL;
      return { kind: 'fill' as const, value: msg, plantIds, bytes: maxBytes - slack, unit };
    });
}

/** Valid messages, possibly at the wrong time: every inbound message of this endpoint and of the other one. */
function validMessage(endpoint: 'node' | 'session'): fc.Arbitrary<HostileFrame> {
  return fc.record({
    kind: fc.constant('json' as const),
    value: fc.oneof(
      { arbitrary: fc.constantFrom(...INBOUND[endpoint]), weight: 4 },
      { arbitrary: fc.constantFrom(...INBOUND[endpoint === 'node' ? 'session' : 'node']), weight: 1 },
    ),
    plantIds: fc.boolean(),
  });
}

/** Text that is not JSON, JSON with junk around it, or a valid frame cut or spliced. */
function nonJson(endpoint: 'node' | 'session'): fc.Arbitrary<HostileFrame> {
  const texts = INBOUND[endpoint].map((e) => JSON.stringify(e));
  const spliced = fc
    .tuple(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 6 }))
    .map(([t, a, b, ins]) => {
      const i = a % (t.length + 1);
      return b % 2 === 0 ? t.slice(0, i) : t.slice(0, i) + ins + t.slice(i);
    });
  return fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.constantFrom(
        '',
        ' ',
        '\ufeff{"type":"client_heartbeat"}',
        '{"type":"node_heartbeat",}',
        "{'type':'session_init'}",
        '{"type":NaN}',
        '{"type":"job_ack"} {"type":"job_ack"}',
        '{"a":1e999999}',
        '[',
        '{"__proto__":{"polluted":true},"type":"session_init"}',
        '{"constructor":{"prototype":{"polluted":true}},"type":"node_register"}',
        ...EDGE_NUMBER_TEXTS.map(
          (n) => `{"type":"audio_chunk","session_id":"s","seq":${n},"is_final":false,"payload":""}`,
        ),
        ...EDGE_NUMBER_TEXTS.map(
          (n) => `{"type":"job_ack","job_id":"j","attempt_id":${n},"node_id":"n","session_id":"s"}`,
        ),
      ),
      spliced,
    )
    .map((text) => ({ kind: 'text' as const, text }));
}

/** Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, encoded surrogates, 0xff. */
const BAD_UTF8 = [
  [0xff],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xc3],
];

function badUtf8(): fc.Arbitrary<HostileFrame> {
  return fc
    .tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...BAD_UTF8), fc.string({ maxLength: 20 }))
    .map(([a, bad, b]) => ({
      kind: 'badUtf8' as const,
      bytes: Buffer.concat([Buffer.from(`{"type":"${a}`), Buffer.from(bad), Buffer.from(`${b}"}`)]),
    }));
}

function binary(endpoint: 'node' | 'session'): fc.Arbitrary<HostileFrame> {
  return fc
    .oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.constantFrom(...INBOUND[endpoint]).map((e) => new Uint8Array(Buffer.from(JSON.stringify(e)))),
    )
    .map((bytes) => ({ kind: 'binary' as const, bytes }));
}

/** A valid-looking frame padded past the limit by 1..1024 bytes. */
function oversize(maxBytes: number): fc.Arbitrary<HostileFrame> {
  return fc.integer({ min: 1, max: 1024 }).map((over) => {
    const head = '{"type":"node_heartbeat","pad":"';
    const tail = '"}';
    return {
      kind: 'oversize' as const,
      text: head + 'x'.repeat(maxBytes + over - head.length - tail.length) + tail,
    };
  });
}

/**
 * The mix: mostly mutated messages and arbitrary JSON; a few frames that close the socket (bad UTF-8, over the
 * limit) so that most of the run exercises decoding rather than reconnecting.
 */
export function hostileFrame(
  endpoint: 'node' | 'session',
  maxFrameBytes: number,
): fc.Arbitrary<HostileFrame> {
  return fc.oneof(
    { arbitrary: mutatedMessage(endpoint, maxFrameBytes), weight: 450 },
    {
      arbitrary: fc
        .jsonValue({ maxDepth: 4 })
        .map((value) => ({ kind: 'json' as const, value, plantIds: false })),
      weight: 150,
    },
    { arbitrary: validMessage(endpoint), weight: 100 },
    { arbitrary: nonJson(endpoint), weight: 120 },
    { arbitrary: binary(endpoint), weight: 50 },
    { arbitrary: atLimit(endpoint, maxFrameBytes), weight: 20 },
    { arbitrary: badUtf8(), weight: 4 },
    { arbitrary: oversize(maxFrameBytes), weight: 3 },
  );
}
