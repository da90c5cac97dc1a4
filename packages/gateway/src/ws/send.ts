/** Writing frames to a socket: one JSON text frame per message, never to a socket that is not open. */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * Sends one frame. Frames sent to one socket in the same synchronous burst (the job_assigns one inbox read
 * brings for a node, a result's ui_events and translation_result) leave in one write: the socket is corked on the
 * first and uncorked on the next tick, which runs before the loop polls again, so nothing waits.
 */
export function sendJson(ws: WebSocket, frame: unknown): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  corkForBurst(ws);
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return true;
}

const corked = new WeakSet<WebSocket>();

function corkForBurst(ws: WebSocket): void {
  if (corked.has(ws)) return;
  // `_socket` is ws's underlying net.Socket; without it each frame is simply its own write.
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket || socket.destroyed) return;
  corked.add(ws);
  socket.cork();
  process.nextTick(() => {
    corked.delete(ws);
    socket.uncork();
  });
}

/** An `error` frame as both sockets define it; `path` goes to `details.path` (INVALID_MESSAGE). */
export function errorFrame(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): { type: 'error'; code: string; message: string; details?: Record<string, unknown> } {
  return details === undefined ? { type: 'error', code, message } : { type: 'error', code, message, details };
}
