/**
 * Everything about GPU node sockets on this instance: accepting `/ws/node` sockets, the per-socket handlers,
 * the silent-node sweep, draining and closing. The registry is the only state; Redis holds the rest.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.js';
import { NodeConnection } from './node-connection.js';

export class NodeService {
  private readonly connections = new Set<NodeConnection>();

  constructor(private readonly ctx: GatewayContext) {}

  attach(ws: WebSocket, req: IncomingMessage): void {
    const conn = new NodeConnection(this.ctx, ws, req);
    this.connections.add(conn);
    ws.once('close', () => {
      void conn.closed().finally(() => this.connections.delete(conn));
    });
  }

  /** Node summaries before readiness: free-slot hints per shard for the dispatcher. */
  async preload(): Promise<void> {}

  start(): void {}

  stop(): void {}

  /** Gateway drain: every local node → `draining` (out of the dispatch set) and told so. */
  async drainAll(): Promise<void> {}

  get openConnections(): number {
    return this.connections.size;
  }

  /** Closes every node socket and waits until each one's registration has been removed from Redis. */
  async closeAll(code: number, reason: string): Promise<void> {
    const all = [...this.connections];
    await Promise.all(all.map((c) => c.close(code, reason)));
  }
}
