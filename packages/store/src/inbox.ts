import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './connection.js';
import type { KeySchema, InstanceKeys } from './keys.js';
import { inboxPublish } from './ops/inbox-publish.js';
import type { ScriptRunner } from './scripts/loader.js';
import { TurnBatcher } from './turn-batcher.js';
import {
  openShardSubscription,
  silentLog,
  type ShardSubscription,
  type StoreLog,
} from './shard-subscription.js';

/**
 * The reliable cross-instance inbox (docs/architecture.md "Crossing instances").
 *
 * Transport is at-least-once pub/sub plus a replay log; delivery to `onMessage` is exactly-once and in order
 * for everything still in the log:
 * - every message carries its inbox sequence and its log entry id; a sequence that jumps ahead means pub/sub
 *   dropped something, so the missing entries are read from the log (XRANGE from the last delivered id);
 * - log entry ids only grow, so "id ≤ last delivered id" identifies a replay and is dropped (this also survives a
 *   sequence that went backwards after a failover lost the last INCRs: ids still move forward);
 * - a probe is published to ourselves every `probeMs / 3`; one that has not come back by the next tick means the
 *   subscription went deaf, so a fresh connection subscribes and we replay from the log. Detection therefore
 *   takes at most 2/3 of `probeMs`, leaving the rest of the interval for the resubscribe and the replay;
 * - every reconnect the client performs by itself is followed by a replay too.
 */
export interface InboxOptions {
  /** Used to read the log and as the template for the dedicated subscriber connection. */
  conn: RedisConnection;
  runner: ScriptRunner;
  keys: KeySchema;
  instanceId: string;
  probeMs?: number;
  /** How long published messages stay replayable (MINID trim of the log). */
  retentionMs?: number;
  log?: StoreLog;
}

export interface InboxMessageMeta {
  seq: number;
}

export interface InboxStats {
  /** sequence of the last message (or probe) delivered in order */
  lastSeq: number;
  /** messages delivered from the replay log instead of pub/sub */
  replayed: number;
  /** sequences skipped because they were no longer in the log (older than the retention) */
  lost: number;
  probesMissed: number;
  resubscribes: number;
  /** round trip of the last probe that came back (publish → receipt), -1 before the first */
  lagMs: number;
}

interface Entry {
  seq: number;
  id: StreamId;
  frame: string;
  /** receive order; entries received before a log read started are covered by that read */
  rx: number;
}

interface Probe {
  token: string;
  sentAt: number;
  publishedAt: number | undefined;
  returned: boolean;
}

type StreamId = readonly [ms: number, n: number];

const MESSAGE = 'm';
const PROBE = 'p';
const LOG_PAGE = 1_000;
const RETRY_MS = 100;

export class Inbox {
  private readonly opts: Required<Omit<InboxOptions, 'log'>> & { log: StoreLog };
  private readonly own: InstanceKeys;
  private onMessage: ((payload: string, meta: InboxMessageMeta) => void) | undefined;
  private sub: ShardSubscription | undefined;
  private started = false;
  private stopped = false;
  private lastSeq = 0;
  private lastId: StreamId = [0, 0];
  private rxCounter = 0;
  /** received live but not yet deliverable (a gap before them, or a catch-up in progress) */
  private pending: Entry[] = [];
  private catchingUp: Promise<void> | undefined;
  private catchUpAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probe: Probe | undefined;
  private probeFailing = false;
  private resubscribing: Promise<void> | undefined;
  private readonly counters = { replayed: 0, lost: 0, probesMissed: 0, resubscribes: 0, lagMs: -1 };
  /** Messages waiting for this turn's flush, by target instance. */
  private readonly outgoing = new TurnBatcher<string, number>(async (target, payloads) => {
    const r = await inboxPublish(this.opts.runner, this.opts.keys.instance(target), {
      payloads,
      now: Date.now(),
      retentionMs: this.opts.retentionMs,
    });
    return payloads.map((_, i) => r.firstSeq + i);
  });

  constructor(opts: InboxOptions) {
    this.opts = {
      ...opts,
      probeMs: opts.probeMs ?? 2_000,
      retentionMs: opts.retentionMs ?? 30_000,
      log: opts.log ?? silentLog,
    };
    this.own = opts.keys.instance(opts.instanceId);
  }

  /**
   * Sends `payload` to the inbox of `targetInstanceId`; resolves to its sequence there. Messages for one target
   * published in the same event-loop turn leave together, in order, in one script call (under load a turn handles
   * many replies and frames at once; one call per message would be most of the Redis traffic).
   */
  publish(targetInstanceId: string, payload: string): Promise<number> {
    return this.outgoing.add(targetInstanceId, MESSAGE + payload);
  }

  /**
   * Subscribes and starts delivering. Only messages published after this call are delivered: the inbox of a
   * new instance starts at the sequence it finds.
   */
  async start(onMessage: (payload: string, meta: InboxMessageMeta) => void): Promise<void> {
    if (this.onMessage) throw new Error('Inbox already started');
    this.onMessage = onMessage;
    try {
      this.sub = await this.subscribe();
    } catch (err) {
      this.onMessage = undefined;
      throw err;
    }
    // Subscribed first, baseline second: everything after the baseline arrives live or is in the log.
    const [seqReply, lastReply] = await Promise.all([
      this.opts.conn.client.get(this.own.seq),
      this.opts.conn.client.xrevrange(this.own.log, '+', '-', 'COUNT', 1),
    ]);
    const lastEntry = lastReply[0];
    this.lastId = lastEntry ? parseId(lastEntry[0]) : [0, 0];
    this.lastSeq = lastEntry ? seqOf(lastEntry[1]) : Number(seqReply ?? 0);
    this.started = true;
    // Entries that raced the baseline read are either ≤ the baseline (dropped) or after it (delivered).
    const early = this.pending;
    this.pending = [];
    for (const e of early) this.accept(e);
    this.scheduleProbes();
  }

  stats(): InboxStats {
    return { lastSeq: this.lastSeq, ...this.counters };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.probeTimer);
    clearTimeout(this.retryTimer);
    const sub = this.sub;
    this.sub = undefined;
    await sub?.close();
    await this.catchingUp?.catch(() => undefined);
  }

  /** The live subscriber connection, for fault injection in tests and diagnostics. */
  subscription(): ShardSubscription | undefined {
    return this.sub;
  }

  private subscribe(): Promise<ShardSubscription> {
    return openShardSubscription(
      this.opts.conn,
      this.own.inbox,
      `${this.opts.instanceId}-inbox`,
      {
        onMessage: (message) => this.onLive(message),
        onResubscribed: () => {
          this.opts.log.info(
            { instanceId: this.opts.instanceId },
            'inbox subscription re-established; replaying',
          );
          this.requestCatchUp();
        },
        onError: (err) => this.opts.log.warn({ err: err.message }, 'inbox subscriber connection error'),
      },
      Math.max(this.opts.probeMs, 1_000),
    );
  }

  private onLive(message: string): void {
    if (this.stopped) return;
    const e = parseLive(message, ++this.rxCounter);
    if (!e) {
      this.opts.log.error({ message: message.slice(0, 200) }, 'inbox: malformed message ignored');
      return;
    }
    const probe = this.probe;
    if (probe && e.frame === PROBE + probe.token) {
      probe.returned = true;
      this.counters.lagMs = Date.now() - probe.sentAt;
    }
    if (!this.started) {
      this.pending.push(e);
      return;
    }
    this.accept(e);
  }

  private accept(e: Entry): void {
    if (compareIds(e.id, this.lastId) <= 0) return;
    if (this.catchingUp === undefined && e.seq === this.lastSeq + 1) {
      this.deliver(e, false);
      return;
    }
    // A gap before it (or a sequence that went backwards), or a replay is running: the log decides the order.
    this.pending.push(e);
    this.requestCatchUp();
  }

  private deliver(e: Entry, fromLog: boolean): void {
    this.lastSeq = e.seq;
    this.lastId = e.id;
    if (!e.frame.startsWith(MESSAGE)) return;
    if (fromLog) this.counters.replayed++;
    try {
      this.onMessage?.(e.frame.slice(MESSAGE.length), { seq: e.seq });
    } catch (err) {
      // A failing handler must not stall or reorder the messages behind it.
      this.opts.log.error({ err: String(err), seq: e.seq }, 'inbox handler threw');
    }
  }

  private requestCatchUp(): void {
    if (this.stopped || !this.started) return;
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return;
    }
    this.catchingUp = this.catchUpLoop().then((ok) => {
      this.catchingUp = undefined;
      if (!ok || this.stopped) return;
      // Entries that arrived while the replay ran wait in `pending`; in-order ones go out now, a new gap
      // needs another read.
      if (!this.drainPending(-1)) this.requestCatchUp();
    });
  }

  /** false when a log read failed (a retry is scheduled). */
  private async catchUpLoop(): Promise<boolean> {
    do {
      this.catchUpAgain = false;
      try {
        await this.catchUpOnce();
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, 'inbox replay failed; retrying');
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.requestCatchUp(), RETRY_MS);
        return false;
      }
    } while (this.catchUpAgain && !this.stopped);
    return true;
  }

  private async catchUpOnce(): Promise<void> {
    for (;;) {
      const readStartedAt = this.rxCounter;
      for (;;) {
        const page = await this.opts.conn.client.xrange(
          this.own.log,
          `(${formatId(this.lastId)}`,
          '+',
          'COUNT',
          LOG_PAGE,
        );
        if (this.stopped) return;
        for (const [id, fields] of page) {
          const entry: Entry = { seq: seqOf(fields), id: parseId(id), frame: payloadOf(fields), rx: 0 };
          if (compareIds(entry.id, this.lastId) > 0) this.deliver(entry, true);
        }
        if (page.length < LOG_PAGE) break;
      }
      if (this.drainPending(readStartedAt)) return;
      // A gap remains before an entry that arrived after the read began: its predecessors were written
      // before it was published, so one more read finds them.
    }
  }

  /** Delivers pending entries that are now in order; true when nothing is left waiting. */
  private drainPending(readStartedAt: number): boolean {
    this.pending.sort((a, b) => compareIds(a.id, b.id));
    while (this.pending.length > 0) {
      const e = this.pending[0] as Entry;
      if (compareIds(e.id, this.lastId) <= 0) {
        this.pending.shift();
        continue;
      }
      if (e.seq !== this.lastSeq + 1) {
        if (e.rx > readStartedAt) return false;
        // The log was read after this entry arrived and still lacked its predecessors: trimmed, gone for good.
        const missing = e.seq - this.lastSeq - 1;
        if (missing > 0) {
          this.counters.lost += missing;
          this.opts.log.error(
            { from: this.lastSeq + 1, to: e.seq - 1 },
            'inbox messages expired before replay',
          );
        }
      }
      this.pending.shift();
      this.deliver(e, false);
    }
    return true;
  }

  private scheduleProbes(): void {
    const tickMs = Math.max(Math.floor(this.opts.probeMs / 3), 10);
    const tick = (): void => {
      if (this.stopped) return;
      this.probeTick(tickMs);
      this.probeTimer = setTimeout(tick, tickMs);
    };
    this.probeTimer = setTimeout(tick, tickMs);
  }

  private probeTick(tickMs: number): void {
    const probe = this.probe;
    if (this.resubscribing) return;
    if (probe && !probe.returned) {
      // Still being published (Redis slow or paused): resubscribing would not help.
      if (probe.publishedAt === undefined) return;
      // The reply can overtake the message on the other socket by a hair; give it a moment.
      if (Date.now() - probe.publishedAt < tickMs / 4) return;
      this.counters.probesMissed++;
      this.opts.log.warn({ instanceId: this.opts.instanceId }, 'inbox probe missed; resubscribing');
      this.probe = undefined;
      this.resubscribe();
      return;
    }
    this.sendProbe();
  }

  private sendProbe(): void {
    const probe: Probe = {
      token: randomBytes(6).toString('hex'),
      sentAt: Date.now(),
      publishedAt: undefined,
      returned: false,
    };
    this.probe = probe;
    inboxPublish(this.opts.runner, this.own, {
      payloads: [PROBE + probe.token],
      now: probe.sentAt,
      retentionMs: this.opts.retentionMs,
    }).then(
      () => {
        probe.publishedAt = Date.now();
        this.probeFailing = false;
      },
      (err: unknown) => {
        // Redis unreachable: not a deaf subscription; the next tick tries again (logged once per outage).
        if (this.probe === probe) this.probe = undefined;
        if (!this.probeFailing)
          this.opts.log.warn({ err: String(err) }, 'inbox probe could not be published');
        this.probeFailing = true;
      },
    );
  }

  private resubscribe(): void {
    this.resubscribing = (async () => {
      try {
        const fresh = await this.subscribe();
        if (this.stopped) {
          await fresh.close();
          return;
        }
        const old = this.sub;
        this.sub = fresh;
        this.counters.resubscribes++;
        await old?.close();
        this.requestCatchUp();
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, 'inbox resubscribe failed; next probe retries');
      }
    })().finally(() => {
      this.resubscribing = undefined;
    });
  }
}

function parseLive(message: string, rx: number): Entry | undefined {
  const a = message.indexOf('|');
  const b = a < 0 ? -1 : message.indexOf('|', a + 1);
  if (b < 0) return undefined;
  const seq = Number(message.slice(0, a));
  const idText = message.slice(a + 1, b);
  if (!Number.isSafeInteger(seq) || !/^\d+-\d+$/.test(idText)) return undefined;
  return { seq, id: parseId(idText), frame: message.slice(b + 1), rx };
}

function parseId(id: string): StreamId {
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

function formatId(id: StreamId): string {
  return `${id[0]}-${id[1]}`;
}

function compareIds(a: StreamId, b: StreamId): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function seqOf(fields: string[]): number {
  return Number(field(fields, 'seq') ?? 0);
}

function payloadOf(fields: string[]): string {
  return field(fields, 'payload') ?? '';
}
