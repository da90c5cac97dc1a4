import { describe, expect, it } from 'vitest';
import { InboundGate, type RefusalReason } from './inbound-gate.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const b = new TokenBucket(10, 20, 0);
    let taken = 0;
    while (b.take(0)) taken++;
    expect(taken).toBe(20);
    expect(b.take(50)).toBe(false); // 0.5 token after 50 ms
    expect(b.take(100)).toBe(true); // 1 token after 100 ms
    expect(b.take(100)).toBe(false);
    // Never above the burst however long the pause.
    let after = 0;
    while (b.take(1_000_000)) after++;
    expect(after).toBe(20);
  });

  it('takes a cost all at once or not at all', () => {
    const b = new TokenBucket(100, 1_000, 0);
    expect(b.take(0, 600)).toBe(true);
    expect(b.take(0, 600)).toBe(false); // 400 left: nothing taken
    expect(b.take(0, 400)).toBe(true);
    expect(b.take(1_000, 100)).toBe(true); // refilled 100 in a second
    expect(b.has(1_000, 1)).toBe(false);
  });
});

const LIMITS = { rateLimitPerS: 5, rateLimitBurst: 5, rateLimitBytesPerS: 1_000, rateLimitBytesBurst: 2_000 };

describe('InboundGate', () => {
  it('passes text, refuses binary, and answers a flood with one RATE_LIMITED per second', () => {
    const gate = new InboundGate(LIMITS, 0);
    expect(gate.admit(Buffer.from('{"a":1}'), false, 0)).toEqual({
      ok: true,
      text: '{"a":1}',
      bytes: 7,
      reserved: false,
    });
    expect(gate.admit([Buffer.from('{"a"'), Buffer.from(':2}')], false, 0)).toMatchObject({
      ok: true,
      text: '{"a":2}',
    });
    expect(gate.admit(Buffer.from([1]), true, 0)).toMatchObject({
      ok: false,
      code: 'INVALID_MESSAGE',
      reply: true,
    });
    gate.admit(Buffer.from('x'), false, 0);
    gate.admit(Buffer.from('x'), false, 0);
    const first = gate.admit(Buffer.from('x'), false, 0);
    const second = gate.admit(Buffer.from('x'), false, 10);
    expect(first).toMatchObject({ ok: false, code: 'RATE_LIMITED', reason: 'frame_rate', reply: true });
    expect(second).toMatchObject({ ok: false, code: 'RATE_LIMITED', reply: false });
    expect(gate.admit(Buffer.from('x'), false, 1_200)).toMatchObject({ ok: true });
  });

  it('charges frames by length: large frames run out of bytes long before the frame budget', () => {
    const refused: RefusalReason[] = [];
    const gate = new InboundGate(LIMITS, 0, { onRefused: (r) => refused.push(r) });
    const big = Buffer.alloc(900, 0x20);
    expect(gate.admit(big, false, 0).ok).toBe(true);
    expect(gate.admit(big, false, 0).ok).toBe(true);
    expect(gate.admit(big, false, 0)).toMatchObject({ ok: false, code: 'RATE_LIMITED', reason: 'byte_rate' });
    // A refused frame costs nothing: the 200 bytes left still take a small one.
    expect(gate.admit(Buffer.alloc(150, 0x20), false, 0).ok).toBe(true);
    // 900 bytes refill in 0.9 s.
    expect(gate.admit(big, false, 900).ok).toBe(true);
    expect(refused).toEqual(['byte_rate']);
  });

  it('keeps a reserved lane with its own budget; a frame that only looked reserved pays the main one', () => {
    const gate = new InboundGate(LIMITS, 0, { reservedMarker: '"job_result"' });
    for (let i = 0; i < 5; i++)
      expect(gate.admit(Buffer.from('{"type":"node_heartbeat"}'), false, 0).ok).toBe(true);
    expect(gate.admit(Buffer.from('{"type":"node_heartbeat"}'), false, 0).ok).toBe(false);
    // The main budget is spent; results still get through, up to their own budget.
    const result = Buffer.from('{"type": "job_result"}');
    for (let i = 0; i < 5; i++)
      expect(gate.admit(result, false, 0)).toMatchObject({ ok: true, reserved: true });
    expect(gate.admit(result, false, 0)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    // A frame with the marker that was not a result is charged to the main budget once decoded.
    const later = new InboundGate(LIMITS, 0, { reservedMarker: '"job_result"' });
    const lookalike = later.admit(Buffer.from('{"type":"node_error","message":"job_result"}'), false, 0);
    expect(lookalike).toMatchObject({ ok: true, reserved: true });
    for (let i = 0; i < 4; i++) expect(later.admit(Buffer.from('{}'), false, 0).ok).toBe(true);
    expect(later.recharge(44, 0)).toBeUndefined(); // the fifth main token
    expect(later.recharge(44, 0)).toMatchObject({ ok: false, code: 'RATE_LIMITED', reason: 'frame_rate' });
  });
});

describe('InboundGate reserved budget', () => {
  it('charges marked frames to their own limits: a node result larger than the main byte burst still passes', () => {
    const main = {
      rateLimitPerS: 100,
      rateLimitBurst: 100,
      rateLimitBytesPerS: 1_000,
      rateLimitBytesBurst: 2_000,
    };
    const reservedLimits = { ...main, rateLimitBytesPerS: 100_000, rateLimitBytesBurst: 200_000 };
    const gate = new InboundGate(main, 0, { reservedMarker: '"job_result"', reservedLimits });
    const result = Buffer.from(JSON.stringify({ type: 'job_result', tts_audio: 'x'.repeat(50_000) }));
    expect(gate.admit(result, false, 0)).toMatchObject({ ok: true, reserved: true });
    expect(gate.admit(result, false, 0)).toMatchObject({ ok: true, reserved: true });
    // The same size on the main budget is refused: over its byte burst.
    const other = Buffer.from(JSON.stringify({ type: 'node_error', message: 'x'.repeat(50_000) }));
    expect(gate.admit(other, false, 0)).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      reason: 'byte_rate',
    });
    // Still bounded: the reserved byte burst runs out too.
    for (let i = 0; i < 2; i++) gate.admit(result, false, 0);
    expect(gate.admit(result, false, 0)).toMatchObject({ ok: false, reason: 'byte_rate' });
  });
});
