/**
 * The key schema: the only place Redis key names are built. Every key carries exactly one hash tag so that
 * every script touching it runs unchanged on Redis Cluster (all keys of one script share the tag).
 *
 *   {n:<nodeId>}            node identity
 *   {p:<poolId>:<shard>}    one pool shard: node records, liveness, free slots, reservations
 *   {idx}                   pools, language index, index version, instance registry, index events
 *   {s:<sessionId>}         session, its jobs, idempotency map, undelivered results
 *   {i:<instanceId>}        instance presence, inbox sequence, replay log, inbox channel, owned sockets
 */

export const KEY_SCHEMA_VERSION = 'v1';

export interface ShardKeys {
  /** hash nodeId → node record JSON */
  info: string;
  /** zset nodeId → last heartbeat ms */
  hb: string;
  /** zset nodeId → free slots, ready nodes only */
  free: string;
  /** zset `<nodeId>|<sessionId>|<jobId>|<attempt>` → reservation expiry ms */
  res: string;
  /** hash nodeId → live reservation count */
  used: string;
}

export interface IndexKeys {
  /** hash poolId → pool meta JSON */
  pools: string;
  /** hash `src:tgt` | `*:tgt` → JSON array of poolIds */
  lang: string;
  /** string: index version, bumped on every index change */
  ver: string;
  /** hash `<poolId>:<shard>` → member count (shard placement) */
  shards: string;
  /** zset instanceId → last seen ms */
  instances: string;
  /** shard channel: index change events `<version>|<json>` */
  events: string;
}

export interface SessionKeys {
  /** hash: session state */
  session: string;
  /** hash jobId → job record JSON */
  jobs: string;
  /** hash `<utterance_index>:<tgt>` → jobId */
  idem: string;
  /** stream: results not yet delivered to the client */
  out: string;
}

export interface InstanceKeys {
  /** string with TTL: presence */
  alive: string;
  /** string: inbox sequence */
  seq: string;
  /** stream: inbox replay log */
  log: string;
  /** shard channel: inbox */
  inbox: string;
  /** set of nodeIds owned */
  nodes: string;
  /** set of sessionIds owned */
  sessions: string;
}

/** Whether an id may go inside a hash tag (no braces): what the edges check before building a key from input. */
export function isTagSafe(id: string): boolean {
  return !id.includes('{') && !id.includes('}');
}

/** Ids end up inside hash tags; braces would break the tag, so they are refused at the edge. */
function tagSafe(id: string): string {
  if (!isTagSafe(id)) throw new RangeError(`id may not contain braces: ${id}`);
  return id;
}

export class KeySchema {
  readonly root: string;

  constructor(prefix = 'lingua') {
    this.root = `${prefix}:${KEY_SCHEMA_VERSION}`;
  }

  node(nodeId: string): string {
    return `${this.root}:{n:${tagSafe(nodeId)}}`;
  }

  shardTag(poolId: string, shard: number): string {
    return `${this.root}:{p:${tagSafe(poolId)}:${shard}}`;
  }

  shard(poolId: string, shard: number): ShardKeys {
    const t = this.shardTag(poolId, shard);
    return { info: `${t}:info`, hb: `${t}:hb`, free: `${t}:free`, res: `${t}:res`, used: `${t}:used` };
  }

  index(): IndexKeys {
    const t = `${this.root}:{idx}`;
    return {
      pools: `${t}:pools`,
      lang: `${t}:lang`,
      ver: `${t}:ver`,
      shards: `${t}:shards`,
      instances: `${t}:instances`,
      events: `${t}:events`,
    };
  }

  session(sessionId: string): SessionKeys {
    const t = `${this.root}:{s:${tagSafe(sessionId)}}`;
    return { session: t, jobs: `${t}:jobs`, idem: `${t}:idem`, out: `${t}:out` };
  }

  instance(instanceId: string): InstanceKeys {
    const t = `${this.root}:{i:${tagSafe(instanceId)}}`;
    return {
      alive: `${t}:alive`,
      seq: `${t}:seq`,
      log: `${t}:log`,
      inbox: `${t}:inbox`,
      nodes: `${t}:nodes`,
      sessions: `${t}:sessions`,
    };
  }

  /** BullMQ queue prefix: one hash tag so every queue key lands in one Cluster slot. */
  queuePrefix(): string {
    return `${this.root}:{bull}`;
  }
}
