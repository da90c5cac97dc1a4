/**
 * Everything about GPU node sockets on this instance: accepting `/ws/node` sockets, the per-socket handlers,
 * the silent-node sweep, draining and closing. The registry is the only state; Redis holds the rest.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { anonymousPrincipal, type Principal } from '../auth/principal.js';
import { nodeSetStatus } from '@lingua/store';
import type { NodeDeps } from './node-deps.js';
import { NodeConnection } from './node-connection.js';
import { SilentNodeSweep } from './silent-sweep.js';

export class NodeService {
  private readonly connections = new Set<NodeConnection>();
  readonly sweep: SilentNodeSweep;

  constructor(private readonly ctx: NodeDeps) {
    this.sweep = new SilentNodeSweep(ctx);
  }

  /** `client`: the client address of the upgrade (the load balancer's `X-Forwarded-For` when trusted). */
  attach(ws: WebSocket, _req: IncomingMessage, principal: Principal | undefined, client: string): void {
    const conn = new NodeConnection(this.ctx, ws, principal ?? anonymousPrincipal('node'), client);
    this.connections.add(conn);
    ws.once('close', () => {
      void conn.closed().finally(() => this.connections.delete(conn));
    });
  }

  /** Node summaries before readiness: free-slot hints per shard for the dispatcher. */
  async preload(): Promise<void> {
    await this.sweep.run(false);
  }

  start(): void {
    this.sweep.start();
  }

  stop(): void {
    this.sweep.stop();
  }

  /** Gateway drain: every local node → `draining` (out of the dispatch set) and told so with `node_status`. */
  async drainAll(): Promise<void> {
    const work = [...this.connections].map((conn) =>
      conn.enqueue(async () => {
        const reg = conn.reg;
        if (!reg || conn.phase !== 'registered') return;
        const r = await nodeSetStatus(
          this.ctx.scripts,
          this.ctx.keys.shard(reg.placement.poolId, reg.shard),
          {
            nodeId: reg.nodeId,
            epoch: reg.epoch,
            status: 'draining',
            now: Date.now(),
          },
        );
        if (r.status === 'OK') conn.setStatus('draining', 'gateway draining');
      }),
    );
    await Promise.all(work);
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Closes every node socket and waits until each one's registration has been removed from Redis. */
  async closeAll(code: number, reason: string): Promise<void> {
    const all = [...this.connections];
    await Promise.all(all.map((c) => c.close(code, reason)));
  }
}
