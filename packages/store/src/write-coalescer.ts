import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';

/**
 * Coalesces the commands one synchronous burst sends into one socket write per Redis connection.
 *
 * Under load one event-loop turn issues many commands (a single read brings the replies of many requests, and
 * each continuation sends its next command); ioredis writes each one with its own syscall, and on a loopback
 * socket a write costs far more than building the command. Corking the connection's socket on the first command
 * of a burst and uncorking it on the next tick sends them together. Unlike ioredis auto-pipelining (which waits
 * for setImmediate and builds a Pipeline per batch) nothing waits: the tick queue runs before the loop polls
 * again, after every promise continuation of the burst.
 */
export class WriteCoalescer {
  private corked: Socket[] = [];
  private scheduled = false;

  constructor(private readonly client: Redis | Cluster) {}

  /** Call right before sending a command. */
  touch(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    for (const socket of this.sockets()) {
      if (socket.destroyed || !socket.writable) continue;
      socket.cork();
      this.corked.push(socket);
    }
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
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
