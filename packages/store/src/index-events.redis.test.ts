import { forEachTopology, killPubSubClients, poll, uniquePrefix } from '@lingua/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { RedisConnection } from './connection.js';
import {
  subscribeIndexEvents,
  type IndexEvent,
  type IndexEventsOptions,
  type IndexEventSubscription,
  type IndexResync,
} from './index-events.js';
import { KeySchema } from './keys.js';
import { connectionForTarget } from './scripts/target-connection.js';

forEachTopology('index events', (target) => {
  let conn: RedisConnection;
  const open: IndexEventSubscription[] = [];

  interface Harness {
    keys: KeySchema;
    sub: IndexEventSubscription;
    events: [number, IndexEvent][];
    resyncs: IndexResync[];
    /** what index-assign does: bump the version and publish `<ver>|<json>` */
    change(kind: string, opts?: { publish?: boolean }): Promise<number>;
  }

  async function harness(
    opts: IndexEventsOptions = {},
    prepare?: (keys: KeySchema) => Promise<void>,
  ): Promise<Harness> {
    const keys = new KeySchema(uniquePrefix('idxev'));
    await prepare?.(keys);
    const events: [number, IndexEvent][] = [];
    const resyncs: IndexResync[] = [];
    const sub = await subscribeIndexEvents(
      conn,
      keys,
      (ver, event) => events.push([ver, event]),
      (r) => resyncs.push(r),
      opts,
    );
    open.push(sub);
    const idx = keys.index();
    return {
      keys,
      sub,
      events,
      resyncs,
      async change(kind, { publish = true } = {}) {
        const ver = await conn.client.incr(idx.ver);
        if (publish) await conn.client.spublish(idx.events, `${ver}|${JSON.stringify({ kind, ver })}`);
        return ver;
      },
    };
  }

  beforeAll(() => {
    conn = connectionForTarget(target, 'index-events-test');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => conn.quit());

  it('delivers events in version order and starts at the version it finds', async () => {
    const h = await harness({ checkMs: 0 }, async (keys) => {
      await conn.client.set(keys.index().ver, '7');
    });
    expect(h.sub.version).toBe(7);
    await h.change('pool_added');
    await h.change('shard_added');
    await poll(() => h.events.length === 2, { what: 'two events' });
    expect(h.events).toEqual([
      [8, { kind: 'pool_added', ver: 8 }],
      [9, { kind: 'shard_added', ver: 9 }],
    ]);
    expect(h.resyncs).toEqual([]);
  });

  it('reports a version gap instead of applying the event, then follows setVersion', async () => {
    const h = await harness({ checkMs: 0 });
    await h.change('a');
    await h.change('missed', { publish: false });
    await h.change('after-gap');
    await poll(() => h.resyncs.length === 1, { what: 'gap report' });
    expect(h.resyncs[0]).toEqual({ reason: 'gap', version: 3 });
    expect(h.events.map(([v]) => v)).toEqual([1]);
    // The caller reloaded and holds version 5 (say): 4 and 5 are ignored, 6 applies.
    h.sub.setVersion(5);
    await h.change('old');
    await h.change('old');
    await h.change('new');
    await poll(() => h.events.length === 2, { what: 'event after reload' });
    expect(h.events.map(([v, e]) => [v, e.kind])).toEqual([
      [1, 'a'],
      [6, 'new'],
    ]);
  });

  it('asks for a reload when the index is already ahead of the caller at subscribe', async () => {
    const h = await harness({ fromVersion: 2, checkMs: 0 }, async (keys) => {
      await conn.client.set(keys.index().ver, '5');
    });
    expect(h.resyncs).toEqual([{ reason: 'behind', version: 5 }]);
  });

  it('notices a change whose event never arrived through the periodic version check', async () => {
    const h = await harness({ checkMs: 100 });
    await h.change('silent', { publish: false });
    await poll(() => h.resyncs.length > 0, { what: 'behind report', timeoutMs: 3_000 });
    expect(h.resyncs[0]).toEqual({ reason: 'behind', version: 1 });
    expect(h.events).toEqual([]);
  });

  it('reports a resubscribe after the subscriber connection is killed, and keeps delivering', async () => {
    const h = await harness({ checkMs: 0 });
    await killPubSubClients(target);
    await poll(() => h.resyncs.some((r) => r.reason === 'resubscribe'), {
      what: 'resubscribe report',
      timeoutMs: 5_000,
    });
    // A change published after the resubscribe arrives as an event again.
    await poll(
      async () => {
        await h.change('after-kill');
        return h.events.length > 0;
      },
      { what: 'event after resubscribe', timeoutMs: 5_000, intervalMs: 100 },
    );
    expect(h.events[0]?.[1].kind).toBe('after-kill');
  });

  it('reports an event it cannot parse', async () => {
    const h = await harness({ checkMs: 0 });
    await conn.client.spublish(h.keys.index().events, '1|{not json');
    await poll(() => h.resyncs.length === 1, { what: 'invalid report' });
    expect(h.resyncs[0]?.reason).toBe('invalid');
  });
});
