import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { LivenessMonitor } from './liveness.js';

/** Just the surface the monitor uses: ping, terminate, 'pong' and 'close' events. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
}

const track = (m: LivenessMonitor, count: number): FakeSocket[] => {
  const sockets = Array.from({ length: count }, () => new FakeSocket());
  for (const s of sockets) m.track(s as unknown as WebSocket);
  return sockets;
};

describe('LivenessMonitor', () => {
  it('pings 10,000 sockets once per interval, at most 5 per tick at the default 10 s', () => {
    const m = new LivenessMonitor(10_000, () => undefined);
    const sockets = track(m, 10_000);
    let maxPerTick = 0;
    for (let tick = 0; tick < 2_000; tick++) {
      const before = sockets.reduce((n, s) => n + s.pings, 0);
      m.tick();
      maxPerTick = Math.max(maxPerTick, sockets.reduce((n, s) => n + s.pings, 0) - before);
      for (const s of sockets) if (s.pings > 0) s.emit('pong');
    }
    expect(maxPerTick).toBeLessThanOrEqual(5);
    expect(sockets.every((s) => s.pings === 1)).toBe(true);
  });

  it('does not ping a socket that sent a frame since the last visit, and pings it again once it falls silent', () => {
    const m = new LivenessMonitor(100, () => undefined); // 20 slices of 5 ms
    const [chatty] = track(m, 1) as [FakeSocket];
    const round = () => {
      for (let tick = 0; tick < 20; tick++) m.tick();
    };
    for (let i = 0; i < 5; i++) {
      chatty.emit('message');
      round();
    }
    expect(chatty.pings).toBe(0);
    expect(chatty.terminated).toBe(false);
    round();
    expect(chatty.pings).toBe(1);
    round();
    round();
    expect(chatty.terminated).toBe(true);
  });

  it('terminates a socket after two unanswered pings and forgets a closed one', () => {
    const dead: unknown[] = [];
    const m = new LivenessMonitor(100, (ws) => dead.push(ws)); // 20 slices of 5 ms
    const [silent, answering, closed] = track(m, 3) as [FakeSocket, FakeSocket, FakeSocket];
    closed.emit('close');
    expect(m.size).toBe(2);
    for (let round = 0; round < 3; round++) {
      for (let tick = 0; tick < 20; tick++) m.tick();
      answering.emit('pong');
    }
    expect(silent.terminated).toBe(true);
    expect(dead).toEqual([silent]);
    expect(answering.terminated).toBe(false);
    expect(answering.pings).toBe(3);
    expect(closed.pings).toBe(0);
    expect(m.size).toBe(1);
  });
});
