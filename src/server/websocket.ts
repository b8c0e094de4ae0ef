/**
 * graphql-ws (graphql-transport-ws) on `ws` sockets: graphql-ws's `makeServer`, bound the way its
 * own `useServer` does it (keep-alive pings, 1001 on dispose), except for errors. `useServer`
 * treats every throw as a bug of the server — close 4500, stack on console.error — while most are
 * the client's: a message type only servers send (→ 4400 Bad request), an invalid frame or one
 * over BATON_MAX_BODY_BYTES (ws closes it: 1002, 1009). Those are logged at warn; the rest at
 * error, through the gateway's logger. What the server sends is paced on the socket's buffered
 * amount (src/server/pacing.ts): a client that does not read stops its operations, then is closed.
 */
import type { IncomingMessage } from "node:http";
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import type { WebSocket, WebSocketServer } from "ws";
import { DEFAULT_STREAM_LIMITS } from "../config.js";
import type { Logger } from "../logger.js";
import { Pacer } from "./pacing.js";

/** What graphql-ws hands to context, onConnect, …: the socket and its upgrade request. */
export interface WsExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

/** How long a client has to answer a ping before the socket is dropped (and the ping period). */
const KEEP_ALIVE_MS = 12_000;

const CLIENT_MISTAKE = /^(Unexpected message of type|Invalid message|Message is missing|Message of type)/;

/** Back-pressure settings (config.streams). */
export interface WsPacing {
  wsHighWaterBytes: number;
  wsStallTimeoutMs: number;
}

export function serveGraphqlWs(
  options: ServerOptions<Record<string, unknown>, WsExtra>,
  wss: WebSocketServer,
  logger: Logger,
  pacing: WsPacing = DEFAULT_STREAM_LIMITS,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    socket.on("error", (err) => {
      logger.warn({ err: err.message }, "WebSocket closed on a client error");
      if (socket.readyState === socket.OPEN) socket.close(1011, "Internal server error");
    });
    let pongWait: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once("pong", () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    const pacer = new Pacer(socket, {
      highWaterBytes: pacing.wsHighWaterBytes,
      stallTimeoutMs: pacing.wsStallTimeoutMs,
      onStall: (buffered) =>
        logger.warn({ bufferedBytes: buffered, stalledMs: pacing.wsStallTimeoutMs, address: request.socket.remoteAddress }, "WebSocket closed: the client stopped reading its messages"),
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => pacer.send(data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", (data) => {
            cb(String(data)).catch((err: unknown) => {
              const message = err instanceof Error ? err.message : String(err);
              if (CLIENT_MISTAKE.test(message)) {
                logger.warn({ err: message }, "WebSocket closed: the client broke the protocol");
                socket.close(CloseCode.BadRequest, `Bad request: ${message}`.slice(0, 120));
              } else {
                logger.error({ err }, "unexpected error handling a WebSocket message");
                socket.close(CloseCode.InternalServerError, "Internal server error");
              }
            });
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      pacer.closed(); // sends still waiting resolve: their operations end below
      clearInterval(ping);
      if (pongWait) clearTimeout(pongWait);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, "Going away");
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
