import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';

/**
 * Coalesces the commands one synchronous burst sends into (at most) two socket writes per Redis connection.
 *
 * Under load one event-loop turn issues many commands (a single read brings the replies of many requests, and
 * each continuation sends its next command); ioredis writes each one with its own syscall, and on a loopback
 * socket a write costs far more than building the command. The first command of a burst goes out at once (alone,
 * at light load, it must not wait for anything); from the second on the connection's socket is corked, and the
 * next tick uncorks it, sending the rest together. Unlike ioredis auto-pipelining (which waits for setImmediate
 * and builds a Pipeline per batch) nothing waits for a timer: the tick queue runs before the loop polls again,
 * after every promise continuation of the burst.
 */
export class WriteCoalescer {
  private corked: Socket[] = [];
  /** Commands sent in the current burst. */
  private sent = 0;

  constructor(private readonly client: Redis | Cluster) {}

  /** Call right before sending a command. */
  touch(): void {
    if (this.sent++ === 0) {
      process.nextTick(() => this.flush());
      return;
    }
    if (this.sent !== 2) return;
    for (const socket of this.sockets()) {
      if (socket.destroyed || !socket.writable) continue;
      socket.cork();
      this.corked.push(socket);
    }
  }

  /**
   * Corks from the next command on, for a caller about to send commands that belong together (two scripts sent side
   * by side): they leave in one write instead of the first alone.
   */
  hold(): void {
    this.touch();
  }

  private flush(): void {
    this.sent = 0;
    const corked = this.corked;
    this.corked = [];
    for (const socket of corked) socket.uncork();
  }

  private sockets(): Socket[] {
    const nodes = this.client.isCluster ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    const out: Socket[] = [];
    for (const node of nodes) {
      // `stream` is the connected socket (ioredis keeps it on the instance; absent before the first connect).
      const stream = (node as unknown as { stream?: Socket }).stream;
      if (stream) out.push(stream);
    }
    return out;
  }
}
