/**
 * This instance's node sockets, by node id. The only local node state (an instance owns nothing but its sockets):
 * Redis holds the registrations, this map only knows which registered sockets are attached here and under which
 * epoch, so the router can deliver locally and a takeover can fence the old socket.
 */
import type { NodeOutbound } from '@lingua/protocol';
import type { NodeDeliveryFailure } from '../router/router.js';
import type { LocalNodeSocket } from './node-socket.js';

export interface RegisteredNode extends LocalNodeSocket {
  readonly poolId: string;
  readonly shard: number;
  readonly status: string;
  /** Close this socket because a newer registration replaced it (without removing anything from Redis). */
  fence(reason: string): void;
  isOpen(): boolean;
  /** Ping and report whether a pong came back in time. */
  probe(timeoutMs: number): Promise<boolean>;
}

export class NodeRegistry {
  private readonly byId = new Map<string, RegisteredNode>();

  get size(): number {
    return this.byId.size;
  }

  get(nodeId: string): RegisteredNode | undefined {
    return this.byId.get(nodeId);
  }

  /** Installs `node` as the current socket of its id; returns the one it replaced, if any. */
  set(node: RegisteredNode): RegisteredNode | undefined {
    const prev = this.byId.get(node.nodeId);
    this.byId.set(node.nodeId, node);
    return prev === node ? undefined : prev;
  }

  /** Removes `node` only if it is still the current socket of its id (a fenced socket never removes its successor). */
  delete(node: RegisteredNode): boolean {
    if (this.byId.get(node.nodeId) !== node) return false;
    this.byId.delete(node.nodeId);
    return true;
  }

  /** Sends to the local socket of `nodeId` if it holds exactly `epoch`. */
  send(nodeId: string, epoch: number, frame: NodeOutbound): true | NodeDeliveryFailure {
    const node = this.byId.get(nodeId);
    if (!node) return 'node_gone';
    if (node.epoch !== epoch) return 'stale_epoch';
    return node.send(frame) ? true : 'node_gone';
  }

  values(): IterableIterator<RegisteredNode> {
    return this.byId.values();
  }

  countByStatus(): Map<string, number> {
    const out = new Map<string, number>();
    for (const n of this.byId.values()) out.set(n.status, (out.get(n.status) ?? 0) + 1);
    return out;
  }
}
