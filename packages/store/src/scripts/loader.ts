import type { Redis } from 'ioredis';
import { forEachMaster, type RedisConnection } from '../connection.js';
import { StoreError } from '../errors.js';
import { WriteCoalescer } from '../write-coalescer.js';
import { assertOneHashTag } from './hash-tag.js';
import { readScriptSources, type ScriptSource } from './source.js';

/**
 * Runs the Lua scripts of `lua/` by name.
 *
 * Why not ioredis `defineCommand`: its first call on every socket is a full EVAL (the body travels once per
 * connection and per Cluster node), nothing preloads the cache before readiness, the commands are untyped
 * dynamic methods, and its errors carry no code. Here instead:
 * - `load()` runs SCRIPT LOAD on every master, so the hot path is EVALSHA only from the first request;
 * - `run()` = EVALSHA; on NOSCRIPT (SCRIPT FLUSH, restart, a promoted replica) it answers this call with EVAL
 *   and reloads every master in the background, once, however many calls missed at the same time;
 * - keys are checked for one hash tag before sending, on every topology;
 * - failures become `StoreError`s with a code.
 */
export type ScriptArg = string | number;

export interface ScriptRunnerOptions {
  /** Folder holding `<name>.lua` and `includes/`; defaults to the repository's `lua/`. */
  dir?: string;
  /** Called for a failed background reload (the call that triggered it has already been answered by EVAL). */
  onReloadError?: (err: StoreError) => void;
  /** Per-call timing hook for metrics. */
  observe?: (script: string, durationMs: number, outcome: 'ok' | 'noscript' | 'error') => void;
}

export class ScriptRunner {
  readonly conn: RedisConnection;
  private readonly scripts: Map<string, ScriptSource>;
  private readonly opts: ScriptRunnerOptions;
  private reloading: Promise<void> | undefined;
  private readonly writes: WriteCoalescer;

  constructor(conn: RedisConnection, opts: ScriptRunnerOptions = {}) {
    this.conn = conn;
    this.opts = opts;
    this.writes = new WriteCoalescer(conn.client);
    this.scripts = readScriptSources(opts.dir);
  }

  names(): string[] {
    return [...this.scripts.keys()];
  }

  source(name: string): ScriptSource {
    const s = this.scripts.get(name);
    if (!s) throw new StoreError('UNKNOWN_SCRIPT', `no Lua script named "${name}"`);
    return s;
  }

  /** SCRIPT LOAD of every script on every master. Call before reporting ready. */
  async load(): Promise<void> {
    const all = [...this.scripts.values()];
    try {
      await forEachMaster(this.conn, (node) => loadAll(node, all));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('SCRIPT_LOAD_FAILED', `SCRIPT LOAD failed: ${messageOf(err)}`, { cause: err });
    }
  }

  async run(name: string, keys: readonly string[], args: readonly ScriptArg[] = []): Promise<unknown[]> {
    const script = this.source(name);
    assertOneHashTag(name, keys);
    const started = performance.now();
    let outcome: 'ok' | 'noscript' | 'error' = 'ok';
    try {
      let reply: unknown;
      try {
        this.writes.touch();
        reply = await this.conn.client.call('evalsha', script.sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!isNoScript(err)) throw translate(name, err);
        outcome = 'noscript';
        this.reloadInBackground();
        try {
          reply = await this.conn.client.call('eval', script.lua, keys.length, ...keys, ...args);
        } catch (evalErr) {
          const t = translate(name, evalErr);
          if (t.code === 'CONNECTION') {
            throw new StoreError('NOSCRIPT_RELOAD_FAILED', `${name}: EVAL fallback failed: ${t.message}`, {
              cause: evalErr,
            });
          }
          throw t;
        }
      }
      if (!Array.isArray(reply)) {
        throw new StoreError('UNEXPECTED_REPLY', `${name}: script returned ${typeof reply}, not an array`);
      }
      return reply as unknown[];
    } catch (err) {
      outcome = 'error';
      throw err;
    } finally {
      this.opts.observe?.(name, performance.now() - started, outcome);
    }
  }

  /** The scripts run next in this synchronous burst leave in one write per connection (see WriteCoalescer.hold). */
  holdWrites(): void {
    this.writes.hold();
  }

  private reloadInBackground(): void {
    if (this.reloading) return;
    this.reloading = this.load()
      .catch((err: unknown) => {
        const e =
          err instanceof StoreError
            ? new StoreError('NOSCRIPT_RELOAD_FAILED', err.message, { cause: err })
            : new StoreError('NOSCRIPT_RELOAD_FAILED', messageOf(err), { cause: err });
        this.opts.onReloadError?.(e);
      })
      .finally(() => {
        this.reloading = undefined;
      });
  }

  /** Resolves when a reload triggered by NOSCRIPT (if any) has finished; for tests and graceful shutdown. */
  async settled(): Promise<void> {
    await this.reloading;
  }
}

async function loadAll(node: Redis, scripts: ScriptSource[]): Promise<void> {
  const shas = await Promise.all(scripts.map((s) => node.call('script', 'load', s.lua)));
  shas.forEach((sha, i) => {
    const s = scripts[i] as ScriptSource;
    if (sha !== s.sha) {
      throw new StoreError(
        'SCRIPT_LOAD_FAILED',
        `${s.name}: SCRIPT LOAD returned ${String(sha)}, expected ${s.sha}`,
      );
    }
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** Redis reply errors carry their class as the first word; everything else is the connection's fault. */
export function translate(script: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const msg = messageOf(err);
  const isReply = err instanceof Error && err.name === 'ReplyError';
  if (msg.startsWith('CROSSSLOT') || msg.includes('non local key')) {
    return new StoreError('CROSSSLOT', `${script}: ${msg}`, { cause: err });
  }
  if (isReply) return new StoreError('SCRIPT_ERROR', `${script}: ${msg}`, { cause: err });
  return new StoreError('CONNECTION', `${script}: ${msg}`, { cause: err });
}
