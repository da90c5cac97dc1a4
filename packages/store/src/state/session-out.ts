/**
 * The `{s}:out` stream: resolutions kept until the client has them, so a resume can replay them. Entries carry
 * three fields: `job` (job id, '' when none), `kind` (the resolution kind: translation | missing | error) and `msg`
 * (the frame that resolves the utterance, as JSON). The job-transition script
 * appends the nodes' results itself; everything else reaches the stream through this module.
 */
import type { RedisConnection } from '../connection.js';
import type { SessionKeys } from '../keys.js';

/** Entries kept per session (approximate trim, XADD MAXLEN ~): enough for any resume window. */
export const SESSION_OUT_MAX_LEN = 200;

export interface OutEntry {
  /** Stream entry id, what `ack`/`remove` delete. */
  id: string;
  /** Job id ('' for a resolution without one); undefined when the entry lacks the field. */
  job: string | undefined;
  /** The resolution kind; undefined when the entry lacks the field. */
  kind: string | undefined;
  /** The frame as JSON; undefined when the entry lacks the field. */
  msg: string | undefined;
}

/** Decodes XRANGE replies (`[id, [field, value, ...]][]`). */
export function decodeOutEntries(raw: [string, string[]][]): OutEntry[] {
  return raw.map(([id, kv]) => ({
    id,
    job: field(kv, 'job'),
    kind: field(kv, 'kind'),
    msg: field(kv, 'msg'),
  }));
}

function field(kv: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < kv.length; i += 2) if (kv[i] === name) return kv[i + 1];
  return undefined;
}

/**
 * The `{s}:out` streams of one connection. `ack` batches: acknowledged ids of every session are deleted once per
 * event-loop turn, in one pipeline on a standalone Redis (pongs of many sessions arrive in one turn under load:
 * one write instead of one per session). A Cluster client cannot pipeline keys of different slots, so there each
 * session's XDEL goes on its own.
 */
export class SessionOut {
  private queued = new Map<string, { ids: string[]; onError: (err: unknown) => void }>();
  private scheduled = false;

  constructor(private readonly conn: RedisConnection) {}

  /** XADD with MAXLEN ~ 200; resolves to the new entry id. */
  async append(keys: SessionKeys, entry: { jobId: string; kind: string; msg: string }): Promise<string> {
    const id = await this.conn.client.xadd(
      keys.out,
      'MAXLEN',
      '~',
      SESSION_OUT_MAX_LEN,
      '*',
      'job',
      entry.jobId,
      'kind',
      entry.kind,
      'msg',
      entry.msg,
    );
    return id ?? '';
  }

  /** Every entry, oldest first (XRANGE - +). */
  async readAll(keys: SessionKeys): Promise<OutEntry[]> {
    return decodeOutEntries(await this.conn.client.xrange(keys.out, '-', '+'));
  }

  /** Deletes entries now (XDEL); resolves to the number deleted. */
  async remove(keys: SessionKeys, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.conn.client.xdel(keys.out, ...ids);
  }

  /**
   * Deletes acknowledged entries with the next batch (see the class comment). Never throws: a failure goes to
   * `onError` (the latest one given for the session's stream).
   */
  ack(keys: SessionKeys, ids: readonly string[], onError: (err: unknown) => void): void {
    const entry = this.queued.get(keys.out);
    if (entry) {
      entry.ids.push(...ids);
      entry.onError = onError;
    } else {
      this.queued.set(keys.out, { ids: [...ids], onError });
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queued;
    this.queued = new Map();
    if (batch.size === 0) return;
    const client = this.conn.client;
    if (client.isCluster || batch.size === 1) {
      for (const [key, { ids, onError }] of batch) client.xdel(key, ...ids).catch(onError);
      return;
    }
    const pipeline = client.pipeline();
    const handlers: ((err: unknown) => void)[] = [];
    for (const [key, { ids, onError }] of batch) {
      pipeline.xdel(key, ...ids);
      handlers.push(onError);
    }
    pipeline.exec().then(
      (replies) => {
        (replies ?? []).forEach(([err], i) => {
          if (err) handlers[i]?.(err);
        });
      },
      (err: unknown) => {
        for (const onError of new Set(handlers)) onError(err);
      },
    );
  }
}
