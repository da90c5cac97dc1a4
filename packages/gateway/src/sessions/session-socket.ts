/**
 * PLACEHOLDER written by the nodes engineer so the process runs before the session side exists; the
 * sessions/jobs engineer owns this file and replaces it. Contract: called once per accepted `/ws/session`
 * socket (ping/pong liveness is already attached by the upgrade router; use `ctx.newInboundGate()` per socket
 * for rate limiting and `ctx.decoders.decodeSessionFrame` to decode).
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.js';

export function attachSessionSocket(_ctx: GatewayContext, ws: WebSocket, _req: IncomingMessage): void {
  ws.send(
    JSON.stringify({ type: 'error', code: 'INTERNAL_ERROR', message: 'sessions are not available yet' }),
  );
  ws.close(1013, 'sessions not available');
}
