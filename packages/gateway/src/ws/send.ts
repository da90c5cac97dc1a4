/** Writing frames to a socket: one JSON text frame per message, never to a socket that is not open. */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * Sends one frame. The first frame a socket gets in a synchronous burst goes out at once; from the second on (the
 * job_assigns one inbox read brings for a node) the socket is corked until the next tick, which runs before the
 * loop polls again, so the rest leave in one write and nothing waits for a timer. Session sockets cork a
 * result's frames from the first (sessions/out-acks.ts).
 */
export function sendJson(ws: WebSocket, frame: unknown): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  noteBurst(ws);
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return true;
}

/** Sockets written to in this burst → whether they are corked. */
const inBurst = new WeakMap<WebSocket, boolean>();

function noteBurst(ws: WebSocket): void {
  const corked = inBurst.get(ws);
  if (corked === undefined) {
    inBurst.set(ws, false);
    process.nextTick(() => endBurst(ws));
    return;
  }
  if (corked) return;
  // `_socket` is ws's underlying net.Socket; without it each frame is simply its own write.
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || socket.destroyed) return;
  inBurst.set(ws, true);
  socket.cork();
}

function endBurst(ws: WebSocket): void {
  const corked = inBurst.get(ws);
  inBurst.delete(ws);
  if (corked) (ws as unknown as { _socket?: Socket })._socket?.uncork();
}

/** An `error` frame as both sockets define it; `path` goes to `details.path` (INVALID_MESSAGE). */
export function errorFrame(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): { type: 'error'; code: string; message: string; details?: Record<string, unknown> } {
  return details === undefined ? { type: 'error', code, message } : { type: 'error', code, message, details };
}
