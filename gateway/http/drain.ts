import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A listening server's graceful stop: no new connections, every request already
 * received answered (its response says `Connection: close`), idle keep-alive
 * connections closed at once and busy ones as soon as their answer is out. A request
 * still unanswered after `timeoutMs` has its connection cut.
 */
export interface Drain {
  /** Requests received and not yet answered. */
  inFlight(): number;
  /** Resolves when the server is closed; `cut` counts the requests that were still unanswered at the deadline. */
  close(timeoutMs: number): Promise<{ cut: number }>;
}

export function drainable(server: Server): Drain {
  const busy = new Set<Socket>();
  let closing = false;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.add(socket);
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      busy.delete(socket);
      if (closing) server.closeIdleConnections();
    });
  });
  return {
    inFlight: () => busy.size,
    close(timeoutMs) {
      closing = true;
      // An answer whose headers are already out may announce keep-alive: its socket is closed once idle.
      for (const s of busy) {
        const res = (s as Socket & { _httpMessage?: ServerResponse })._httpMessage;
        if (res && !res.headersSent) res.setHeader('Connection', 'close');
      }
      return new Promise((resolve) => {
        let cut = 0;
        const deadline = setTimeout(() => {
          cut = busy.size;
          server.closeAllConnections();
        }, timeoutMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve({ cut });
        });
        server.closeIdleConnections();
      });
    },
  };
}
