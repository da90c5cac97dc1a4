import { redisTargets } from '@lingua/testkit';
import { describe, expect, it } from 'vitest';
import { measureSocketIoRelay } from './socketio-relay.js';

// The peer runs on standalone Redis only: the sharded adapter cannot use an ioredis Cluster client.
const standalone = redisTargets().find((t) => t.topology === 'standalone');

describe('socket.io relay peer (standalone)', () => {
  it('relays every message from server A to server B at a low rate and measures its latency', async () => {
    expect(standalone?.url).toBeDefined();
    const progress: number[] = [];
    const figures = await measureSocketIoRelay({
      redisUrl: standalone?.url ?? '',
      ratePerS: 40,
      durationMs: 1000,
      messageBytes: 256,
      onProgress: (sent) => progress.push(sent),
    });

    expect(figures.sent).toBe(40);
    expect(figures.received).toBe(40);
    expect(figures.lost).toBe(0);
    expect(figures.p50_ms).toBeGreaterThan(0);
    expect(figures.p99_ms).toBeGreaterThanOrEqual(figures.p50_ms);
    expect(figures.rate_per_s).toBeGreaterThan(20);
    expect(figures.rate_per_s).toBeLessThan(80);
    expect(progress.at(-1)).toBe(40);
  });

  it('relays through the classic adapter too', async () => {
    const figures = await measureSocketIoRelay({
      redisUrl: standalone?.url ?? '',
      ratePerS: 100,
      durationMs: 300,
      messageBytes: 64,
      adapter: 'classic',
    });
    expect(figures).toMatchObject({ sent: 30, received: 30, lost: 0 });
  });

  it('rejects a non-positive rate before starting anything', async () => {
    await expect(
      measureSocketIoRelay({
        redisUrl: 'redis://127.0.0.1:1',
        ratePerS: 0,
        durationMs: 1000,
        messageBytes: 10,
      }),
    ).rejects.toThrow(/BAD_ARGUMENT/);
  });
});
