/**
 * A scripted stand-in for the gateway's `/ws/node` endpoint, for unit tests of the agent. It validates every frame
 * the agent sends with the gateway-side decoder, so a test also proves the agent speaks the wire protocol. The socket
 * mechanics (recording, waiting, replying) are the test kit's `FakeWsServer`. Test-only: excluded from the build.
 */
import type { WebSocket } from 'ws';
import { decodeNodeFrame, encodeNodeFrame, type NodeInbound, type NodeOutbound } from '@lingua/protocol';
import { FakeWsConnection, FakeWsServer, type FrameCodec } from '@lingua/testkit';

type Of<T extends NodeInbound['type']> = Extract<NodeInbound, { type: T }>;

const NODE_CODEC: FrameCodec<NodeInbound, NodeOutbound> = {
  peer: 'agent',
  decode: decodeNodeFrame,
  encode: encodeNodeFrame,
};

export class FakeNodeConnection extends FakeWsConnection<NodeInbound, NodeOutbound> {
  constructor(ws: WebSocket) {
    super(ws, NODE_CODEC);
  }

  ack(nodeId: string, nodeToken?: string): void {
    this.send({
      type: 'node_register_ack',
      node_id: nodeId,
      message: 'registered',
      status: 'registering',
      ...(nodeToken === undefined ? {} : { node_token: nodeToken }),
    });
  }

  /** Registers the agent: waits for node_register, acks, returns the register message. */
  async accept(nodeId: string, nodeToken?: string): Promise<Of<'node_register'>> {
    const register = await this.next('node_register');
    this.ack(nodeId, nodeToken);
    return register;
  }
}

export class FakeNodeGateway extends FakeWsServer<FakeNodeConnection> {
  static start(): Promise<FakeNodeGateway> {
    return new FakeNodeGateway('/ws/node', (ws) => new FakeNodeConnection(ws)).listening();
  }
}
