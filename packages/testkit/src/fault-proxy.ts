import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll } from 'vitest';
import { TestkitError } from './errors.js';
import { commandArgs, connectionNameSet, RespFramer } from './resp-framer.js';

/**
 * A TCP proxy on loopback in front of one redis-server, with network faults that can be switched
 * while clients are connected. Faults act on the wire, so the client library under test reacts
 * exactly as it would to a real network: nothing in the client is stubbed.
 *
 * - `dropReplies(n)`: the next n complete RESP replies from the server are swallowed. The command
 *   ran; the client never hears. TCP never loses bytes inside a live connection, so on its own
 *   this leaves the client's reply queue one behind (the next reply answers the lost command);
 *   follow it with `reset()` to model "the reply was lost with the connection".
 * - `reset()`: every connection (both sides) is closed with a TCP RST at once.
 * - `delay(ms)`: every chunk in both directions is held `ms` before it is forwarded (a round
 *   trip gains at least 2 × ms); `delay(0)` ends it for data that arrives afterwards.
 * - `blackhole(true)`: connections, new ones too, are accepted and kept open but nothing is
 *   forwarded in either direction. `blackhole(false)` delivers what was held, in order, as TCP
 *   does when a partition heals before the connection times out; that is also the pause/resume.
 *
 * Faults apply to every connection; `dropReplies` and `reset` accept a filter (the Nth
 * connection accepted, or the name a client gave itself with CLIENT SETNAME / HELLO SETNAME).
 * The proxy unrefs its server, sockets and timers, so it never keeps a process alive, and under
 * vitest every proxy still open is closed at the end of the test file.
 */

export interface ProxyAddress {
  host: string;
  port: number;
}

/** One proxied connection as the filters see it. */
export interface ProxyConnectionInfo {
  /** 1 for the first connection this proxy accepted, 2 for the next, … */
  readonly id: number;
  /** The name the client set with CLIENT SETNAME or HELLO … SETNAME, once it has. */
  readonly name: string | undefined;
}

/** Which connections a fault applies to: the `nth` accepted, those whose name matches, or a predicate. */
export type ConnectionFilter =
  { nth?: number; name?: string | RegExp } | ((connection: ProxyConnectionInfo) => boolean);

export interface FaultProxyStats {
  connectionsAccepted: number;
  connectionsOpen: number;
  /** Client → server command frames seen (forwarded, possibly after a delay or blackhole). */
  commandsSeen: number;
  repliesForwarded: number;
  repliesDropped: number;
  /** Replies still to be dropped by `dropReplies`. */
  dropsPending: number;
}

/** The faults, on one proxy or fanned out over several. */
export interface FaultControls {
  /** Swallows the next `n` server replies (on matching connections); `n <= 0` cancels pending drops. */
  dropReplies(n?: number, filter?: ConnectionFilter): void;
  /** Closes every (matching) connection on both sides with a TCP RST. Returns how many. */
  reset(filter?: ConnectionFilter): number;
  /** Holds data in both directions for `ms` (0 = forward at once). */
  delay(ms: number): void;
  /** Forwards nothing while on; switching off delivers what was held. */
  blackhole(on: boolean): void;
}

export interface FaultProxy extends FaultControls {
  readonly host: string;
  readonly port: number;
  /** `host:port` of the proxy, as Cluster seeds and natMap entries are written. */
  readonly address: string;
  /** `redis://host:port` of the proxy. */
  readonly url: string;
  /** The redis-server behind the proxy. */
  readonly target: ProxyAddress;
  stats(): FaultProxyStats;
  /** The connections open right now. */
  connections(): ProxyConnectionInfo[];
  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Command frames longer than this are not decoded when looking for CLIENT SETNAME. */
const NAME_SNIFF_MAX_BYTES = 1_024;

const open = new Set<FaultProxy>();

// Same sweep as connectRaw: a proxy a test forgot to close does not outlive the test file.
if (process.env.VITEST) {
  afterAll(async () => {
    await Promise.all([...open].map((proxy) => proxy.close()));
  });
}

/** Starts a proxy for `target` on a free loopback port. */
export async function startFaultProxy(target: ProxyAddress): Promise<FaultProxy> {
  const proxy = new FaultProxyServer({ host: target.host, port: target.port });
  await proxy.listen();
  open.add(proxy);
  return proxy;
}

function connectionMatches(filter: ConnectionFilter | undefined, conn: ProxyConnectionInfo): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(conn);
  if (filter.nth !== undefined && conn.id !== filter.nth) return false;
  if (filter.name !== undefined) {
    if (conn.name === undefined) return false;
    return typeof filter.name === 'string' ? conn.name === filter.name : filter.name.test(conn.name);
  }
  return true;
}

/** Switches shared by every connection of one proxy. */
interface FaultState {
  delayMs: number;
  blackholed: boolean;
}

/** One direction of one connection: holds chunks for the delay and while blackholed, in order. */
class Forwarder {
  private readonly queue: { due: number; data: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ending = false;

  constructor(
    private readonly out: Socket,
    private readonly faults: FaultState,
  ) {}

  send(data: Buffer): void {
    this.queue.push({ due: performance.now() + this.faults.delayMs, data });
    this.pump();
  }

  /** Ends the outgoing side once everything queued has been written (the peer sent FIN). */
  endWhenDrained(): void {
    this.ending = true;
    this.pump();
  }

  pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.faults.blackholed || this.out.destroyed) return;
    const now = performance.now();
    for (let head = this.queue[0]; head !== undefined && head.due <= now; head = this.queue[0]) {
      this.queue.shift();
      this.out.write(head.data);
    }
    const head = this.queue[0];
    if (head !== undefined) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(head.due - now)));
      this.timer.unref();
    } else if (this.ending) {
      this.out.end();
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

class ProxiedConnection implements ProxyConnectionInfo {
  name: string | undefined;
  private readonly upstream: Socket;
  private readonly toServer: Forwarder;
  private readonly toClient: Forwarder;
  private readonly replies = new RespFramer('replies');
  private commands: RespFramer | undefined = new RespFramer('commands');
  private closedSides = 0;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    target: ProxyAddress,
    private readonly proxy: FaultProxyServer,
  ) {
    this.upstream = connect({ host: target.host, port: target.port });
    for (const socket of [client, this.upstream]) {
      socket.setNoDelay(true);
      socket.unref();
      // Errors end in 'close' (handled below); without a listener they would be thrown.
      socket.on('error', () => undefined);
      socket.on('close', (hadError) => this.onSideClosed(socket, hadError));
    }
    this.toServer = new Forwarder(this.upstream, proxy.faults);
    this.toClient = new Forwarder(client, proxy.faults);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    this.upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
    client.on('end', () => this.toServer.endWhenDrained());
    this.upstream.on('end', () => this.toClient.endWhenDrained());
  }

  /** Wakes both directions after a fault switch changed. */
  pump(): void {
    this.toServer.pump();
    this.toClient.pump();
  }

  /** Like a TCP RST on the path: both peers see the connection reset at once. */
  reset(): void {
    this.toServer.stop();
    this.toClient.stop();
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy();
      }
    }
  }

  destroy(): void {
    this.toServer.stop();
    this.toClient.stop();
    this.client.destroy();
    this.upstream.destroy();
  }

  private fromClient(chunk: Buffer): void {
    // The bytes go on untouched; frames are only inspected to count commands and learn the name.
    if (this.commands !== undefined) {
      try {
        for (const frame of this.commands.push(chunk)) {
          this.proxy.counters.commandsSeen++;
          if (frame.length > NAME_SNIFF_MAX_BYTES) continue;
          const args = commandArgs(frame);
          const name = args && connectionNameSet(args);
          if (name !== undefined) this.name = name;
        }
      } catch {
        this.commands = undefined; // not RESP after all: forward blindly
      }
    }
    this.toServer.send(chunk);
  }

  private fromServer(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.replies.push(chunk);
    } catch {
      // A reply stream the proxy cannot frame cannot be faulted reliably: fail loudly.
      this.reset();
      return;
    }
    const kept = frames.filter(() => !this.proxy.takeDrop(this));
    this.proxy.counters.repliesForwarded += kept.length;
    this.proxy.counters.repliesDropped += frames.length - kept.length;
    if (kept.length > 0) this.toClient.send(kept.length === 1 && kept[0] ? kept[0] : Buffer.concat(kept));
  }

  private onSideClosed(socket: Socket, hadError: boolean): void {
    const other = socket === this.client ? this.upstream : this.client;
    if (hadError && !other.destroyed) {
      // An error on one side (e.g. the server reset) reaches the other side as a reset too.
      this.reset();
    } else if (!other.destroyed) {
      // Closed without an error but without FIN either: the other side still must not linger.
      (socket === this.client ? this.toServer : this.toClient).endWhenDrained();
    }
    this.closedSides++;
    if (this.closedSides === 2) this.proxy.forget(this);
  }
}

class FaultProxyServer implements FaultProxy {
  readonly host = HOST;
  port = 0;
  readonly faults: FaultState = { delayMs: 0, blackholed: false };
  readonly counters = { connectionsAccepted: 0, commandsSeen: 0, repliesForwarded: 0, repliesDropped: 0 };
  private readonly server: Server;
  private readonly live = new Set<ProxiedConnection>();
  private drops: { remaining: number; filter: ConnectionFilter | undefined }[] = [];
  private closing: Promise<void> | undefined;

  constructor(readonly target: ProxyAddress) {
    this.server = createServer((socket) => {
      if (this.closing) {
        socket.destroy();
        return;
      }
      const conn = new ProxiedConnection(++this.counters.connectionsAccepted, socket, target, this);
      this.live.add(conn);
    });
    this.server.unref();
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get url(): string {
    return `redis://${this.address}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new TestkitError(
            'PROXY_START_FAILED',
            `proxy for ${this.target.host}:${this.target.port}: ${err.message}`,
            { cause: err },
          ),
        );
      this.server.once('error', onError);
      this.server.listen(0, HOST, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.port = typeof address === 'object' && address !== null ? address.port : 0;
        resolve();
      });
    });
  }

  stats(): FaultProxyStats {
    return {
      ...this.counters,
      connectionsOpen: this.live.size,
      dropsPending: this.drops.reduce((sum, d) => sum + d.remaining, 0),
    };
  }

  connections(): ProxyConnectionInfo[] {
    return [...this.live].map((c) => ({ id: c.id, name: c.name }));
  }

  dropReplies(n = 1, filter?: ConnectionFilter): void {
    if (n <= 0) {
      this.drops = [];
      return;
    }
    this.drops.push({ remaining: Math.floor(n), filter });
  }

  /** Whether this reply of `conn` is to be swallowed; consumes one pending drop if so. */
  takeDrop(conn: ProxiedConnection): boolean {
    const rule = this.drops.find((d) => d.remaining > 0 && connectionMatches(d.filter, conn));
    if (rule === undefined) return false;
    rule.remaining--;
    if (rule.remaining === 0) this.drops = this.drops.filter((d) => d !== rule);
    return true;
  }

  reset(filter?: ConnectionFilter): number {
    const victims = [...this.live].filter((c) => connectionMatches(filter, c));
    for (const conn of victims) conn.reset();
    return victims.length;
  }

  delay(ms: number): void {
    this.faults.delayMs = Math.max(0, ms);
    for (const conn of this.live) conn.pump();
  }

  blackhole(on: boolean): void {
    this.faults.blackholed = on;
    for (const conn of this.live) conn.pump();
  }

  forget(conn: ProxiedConnection): void {
    this.live.delete(conn);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      open.delete(this);
      for (const conn of this.live) conn.destroy();
      this.live.clear();
      this.server.close(() => resolve());
    });
    return this.closing;
  }
}
