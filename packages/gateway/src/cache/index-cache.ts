/**
 * The local copy of the language index (caches propose, Redis decides). Loaded whole at start, kept current by
 * versioned index events, reloaded whole when an event skips a version, when an event cannot be applied, or when
 * the subscription was re-established (events may have been missed meanwhile).
 *
 * Pools are listed per language (`s:<lang>` as a source, `t:<lang>` as a target); a pair lookup takes the shorter
 * of the two lists and keeps the pools whose blocks really contain the pair.
 */
import { blocksServe } from '@lingua/store';
import type { IndexSnapshot, PoolMeta } from './index-snapshot.js';

export interface CandidateShard {
  shard: number;
  /** Nodes in the shard when last seen (a hint: counts change without a version bump). */
  nodes: number;
  /** Free slots last observed (select-reserve's `freeLeft`, preload, sweep); undefined if never seen. */
  freeHint?: number;
}

export interface CandidatePool {
  poolId: string;
  region: string;
  tier: string;
  /** Shards, most free slots (hint) first, then lowest number. */
  shards: CandidateShard[];
}

export type ReloadReason = 'start' | 'gap' | 'resubscribe' | 'unknown_event' | 'manual';

export interface IndexCacheOptions {
  load: () => Promise<IndexSnapshot>;
  onReload?: (reason: ReloadReason, version: number) => void;
  onError?: (err: unknown) => void;
}

export interface IndexEvent {
  kind?: string;
  pool?: string;
  shard?: number;
  meta?: PoolMeta;
}

export class IndexCache {
  private snap: IndexSnapshot = { version: 0, pools: new Map(), lang: new Map(), shards: new Map() };
  private readonly free = new Map<string, number>();
  /** Ready nodes per `pool:shard` as the sweep last read them (for the pool readiness gauge). */
  private readonly ready = new Map<string, number>();
  private loading: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private reloadAgain: ReloadReason | undefined;
  private loaded = false;

  constructor(private readonly opts: IndexCacheOptions) {}

  get version(): number {
    return this.snap.version;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Full reload; calls made while one runs coalesce into one more load after it. */
  reload(reason: ReloadReason): Promise<void> {
    if (this.loading) {
      this.reloadAgain = reason;
      this.again ??= this.loading.then(() => {
        this.again = undefined;
        const next = this.reloadAgain;
        this.reloadAgain = undefined;
        return next ? this.reload(next) : undefined;
      });
      return this.again;
    }
    this.loading = this.loadOnce(reason).then(
      () => {
        this.loading = undefined;
        this.opts.onReload?.(reason, this.snap.version);
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  private async loadOnce(reason: ReloadReason): Promise<void> {
    const snap = await this.opts.load();
    // Never go back in version because of a slow load, unless Redis itself went back (flush, restore).
    const redisMayHaveGoneBack = reason === 'start' || reason === 'resubscribe' || reason === 'manual';
    if (snap.version >= this.snap.version || redisMayHaveGoneBack) this.snap = snap;
    this.loaded = true;
  }

  /** A decoded index event: applied in place when it is the next version, else (or if not understood) reload. */
  applyEvent(version: number, event: IndexEvent): void {
    if (version <= this.snap.version) return; // already part of what we hold
    if (version !== this.snap.version + 1 || this.loading) return this.background('gap');
    if (!this.apply(event)) return this.background('unknown_event');
    this.snap.version = version;
  }

  /** The subscription was (re)established: whatever happened meanwhile is unknown. */
  onResubscribe(): void {
    this.background('resubscribe');
  }

  /** Records free slots observed on a shard (dispatcher after select-reserve, preload, sweep). */
  noteFree(poolId: string, shard: number, free: number): void {
    this.free.set(`${poolId}:${shard}`, free);
  }

  /** Records how many ready nodes a shard had when the sweep read it. */
  noteReady(poolId: string, shard: number, ready: number): void {
    this.ready.set(`${poolId}:${shard}`, ready);
  }

  /** Ready nodes of each pool in the index whose shards were all observed, with the languages it serves. */
  readyNodesByPool(): { pool: string; languages: string; ready: number }[] {
    const out: { pool: string; languages: string; ready: number }[] = [];
    for (const [poolId, shards] of this.snap.shards) {
      const meta = this.snap.pools.get(poolId);
      if (!meta || shards.size === 0) continue;
      let ready = 0;
      let seen = true;
      for (const shard of shards.keys()) {
        const n = this.ready.get(`${poolId}:${shard}`);
        if (n === undefined) seen = false;
        else ready += n;
      }
      if (seen) out.push({ pool: poolId, languages: languagesOf(meta), ready });
    }
    return out;
  }

  /**
   * Pools serving src→tgt (src ≠ tgt; `src` = 'auto' → any source, i.e. every pool writing tgt), each with its
   * shards ordered by cached free slots. Pools in pool id order.
   */
  candidatePools(src: string, tgt: string): CandidatePool[] {
    const s = src.trim();
    const t = tgt.trim();
    const targets = this.snap.lang.get(`t:${t}`) ?? [];
    let ids = targets;
    if (s !== 'auto') {
      if (s === t) return [];
      const sources = this.snap.lang.get(`s:${s}`) ?? [];
      if (sources.length < targets.length) ids = sources;
    }
    const out: CandidatePool[] = [];
    for (const poolId of ids) {
      const meta = this.snap.pools.get(poolId);
      if (!meta || !blocksServe(meta.blocks, s, t)) continue;
      out.push({ poolId, region: meta.region, tier: meta.tier, shards: this.shardsOf(poolId) });
    }
    return out;
  }

  pool(poolId: string): PoolMeta | undefined {
    return this.snap.pools.get(poolId);
  }

  poolIds(): string[] {
    return [...this.snap.pools.keys()];
  }

  /** Every (pool, shard) known, for the sweep. */
  allShards(): { poolId: string; shard: number }[] {
    const out: { poolId: string; shard: number }[] = [];
    for (const [poolId, m] of this.snap.shards) for (const shard of m.keys()) out.push({ poolId, shard });
    return out;
  }

  shardsOf(poolId: string): CandidateShard[] {
    const m = this.snap.shards.get(poolId);
    if (!m) return [];
    const list: CandidateShard[] = [];
    for (const [shard, nodes] of m) {
      const freeHint = this.free.get(`${poolId}:${shard}`);
      list.push(freeHint === undefined ? { shard, nodes } : { shard, nodes, freeHint });
    }
    return list.sort((a, b) => (b.freeHint ?? -1) - (a.freeHint ?? -1) || a.shard - b.shard);
  }

  private background(reason: ReloadReason): void {
    this.reload(reason).catch((err: unknown) => this.opts.onError?.(err));
  }

  /** Applies an event in place; false when it does not carry enough to do so (then the caller reloads). */
  private apply(e: IndexEvent): boolean {
    const { pools, lang, shards } = this.snap;
    switch (e.kind) {
      case 'pool_added': {
        if (!e.pool || !e.meta || !Array.isArray(e.meta.blocks)) return false;
        pools.set(e.pool, e.meta);
        for (const key of langKeys(e.meta)) {
          const list = lang.get(key) ?? [];
          if (!list.includes(e.pool)) lang.set(key, insertSorted(list, e.pool));
        }
        if (typeof e.shard === 'number') this.addShard(e.pool, e.shard);
        return true;
      }
      case 'shard_added':
        if (!e.pool || typeof e.shard !== 'number') return false;
        this.addShard(e.pool, e.shard);
        return true;
      case 'shard_removed':
        if (!e.pool || typeof e.shard !== 'number') return false;
        shards.get(e.pool)?.delete(e.shard);
        this.free.delete(`${e.pool}:${e.shard}`);
        this.ready.delete(`${e.pool}:${e.shard}`);
        return true;
      case 'pool_removed': {
        if (!e.pool) return false;
        const meta = pools.get(e.pool);
        pools.delete(e.pool);
        shards.delete(e.pool);
        // Only the pool's own languages when its meta is known; every list otherwise.
        const keys = meta ? langKeys(meta) : [...lang.keys()];
        for (const key of keys) {
          const list = lang.get(key);
          if (!list) continue;
          const next = list.filter((p) => p !== e.pool);
          if (next.length === 0) lang.delete(key);
          else if (next.length !== list.length) lang.set(key, next);
        }
        return true;
      }
      default:
        return false;
    }
  }

  private addShard(poolId: string, shard: number): void {
    let m = this.snap.shards.get(poolId);
    if (!m) this.snap.shards.set(poolId, (m = new Map()));
    if (!m.has(shard)) m.set(shard, 1);
  }
}

/** The index keys of a pool: `s:<lang>` per source and `t:<lang>` per target language of its blocks. */
function langKeys(meta: PoolMeta): string[] {
  const keys = new Set<string>();
  for (const b of meta.blocks) {
    for (const l of b.src) keys.add(`s:${l}`);
    for (const l of b.tgt) keys.add(`t:${l}`);
  }
  return [...keys];
}

function insertSorted(list: readonly string[], id: string): string[] {
  const at = list.findIndex((x) => x > id);
  return at < 0 ? [...list, id] : [...list.slice(0, at), id, ...list.slice(at)];
}

/** `en,zh` for a pool whose blocks read or write en and zh. */
function languagesOf(meta: PoolMeta): string {
  const langs = new Set<string>();
  for (const b of meta.blocks) for (const l of [...b.src, ...b.tgt]) langs.add(l);
  return [...langs].sort().join(',');
}
