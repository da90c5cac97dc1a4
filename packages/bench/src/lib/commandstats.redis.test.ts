import { connectRaw, forEachTopology, uniquePrefix } from '@lingua/testkit';
import { expect, it } from 'vitest';
import { countCalls, countScriptCalls, startCommandStats } from './commandstats.js';
import { collectEnv } from './report.js';

forEachTopology('commandstats', (target) => {
  it('counts the calls made between two snapshots, summed over every master', async () => {
    const redis = connectRaw(target);
    const prefix = uniquePrefix();
    const stats = await startCommandStats(redis);
    // Keys with different hash tags land on different masters of a Cluster.
    const tags = Array.from({ length: 12 }, (_, i) => `${prefix}:{t${i}}`);
    for (const key of tags) await redis.set(key, '1');
    for (const key of tags) await redis.eval("return redis.call('GET', KEYS[1])", 1, key);
    await redis.del(...tags.slice(0, 1));
    const delta = await stats.delta();

    // Other suites may share the server, so these are lower bounds.
    expect(delta.get('set')?.calls ?? 0).toBeGreaterThanOrEqual(12);
    expect(countScriptCalls(delta)).toBeGreaterThanOrEqual(12);
    expect(countCalls(delta, ['del'])).toBeGreaterThanOrEqual(1);
  });

  it('reads the server version for the report environment', async () => {
    const env = await collectEnv(connectRaw(target));
    expect(env.redis_version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
