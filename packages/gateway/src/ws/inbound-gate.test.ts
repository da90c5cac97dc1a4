import { describe, expect, it } from 'vitest';
import { InboundGate } from './inbound-gate.js';
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
});

describe('InboundGate', () => {
  it('passes text, refuses binary, and answers a flood with one RATE_LIMITED per second', () => {
    const gate = new InboundGate({ rateLimitPerS: 5, rateLimitBurst: 5 }, 0);
    expect(gate.admit(Buffer.from('{"a":1}'), false, 0)).toEqual({ ok: true, text: '{"a":1}' });
    expect(gate.admit([Buffer.from('{"a"'), Buffer.from(':2}')], false, 0)).toEqual({
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
    expect(first).toMatchObject({ ok: false, code: 'RATE_LIMITED', reply: true });
    expect(second).toMatchObject({ ok: false, code: 'RATE_LIMITED', reply: false });
    expect(gate.admit(Buffer.from('x'), false, 1_200)).toMatchObject({ ok: true });
  });
});
