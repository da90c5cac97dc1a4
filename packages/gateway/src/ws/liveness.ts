/**
 * Dead-peer detection for every socket of one endpoint with a single interval timer (not one per socket, which
 * would not scale to 10k nodes): each tick pings every socket; a socket that has not answered the last two pings
 * is terminated. Clients never detect a silent server themselves, and nodes must not wait for the liveness TTL.
 */
import type { WebSocket } from 'ws';

export class LivenessMonitor {
  private readonly missed = new Map<WebSocket, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly onDead: (ws: WebSocket) => void,
    private readonly maxMissed = 2,
  ) {}

  get size(): number {
    return this.missed.size;
  }

  track(ws: WebSocket): void {
    this.missed.set(ws, 0);
    ws.on('pong', () => {
      if (this.missed.has(ws)) this.missed.set(ws, 0);
    });
    ws.once('close', () => this.missed.delete(ws));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round: terminate sockets that missed `maxMissed` pings, ping the rest. Exposed for tests. */
  tick(): void {
    for (const [ws, missed] of this.missed) {
      if (missed >= this.maxMissed) {
        this.missed.delete(ws);
        this.onDead(ws);
        ws.terminate();
        continue;
      }
      this.missed.set(ws, missed + 1);
      try {
        ws.ping();
      } catch {
        // A socket that is already closing throws on ping; its close handler removes it.
      }
    }
  }
}
