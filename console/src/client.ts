/**
 * The console's GraphQL client: urql with graphcache (a normalised cache: a plan read by the
 * plan page and by the list is one entity, updated once) over HTTP, and graphql-ws for
 * subscriptions on the same /graphql path. The token goes as the Authorization header and as
 * the WebSocket's connection parameter; when the gateway stops accepting it (HTTP 401,
 * UNAUTHENTICATED, or the socket closed with 4401/4403 on revocation or expiry), `onAuthLost`
 * sends the console back to sign-in.
 */
import { cacheExchange } from "@urql/exchange-graphcache";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { Client, fetchExchange, mapExchange, subscriptionExchange, type CombinedError, type ExecutionResult } from "urql";
import { graphcacheKeys } from "../../src/client/cache.js";
import { bearer, endpoints } from "./session.js";

/** The WebSocket close codes of a refused token: 4401 at connection, 4403 revoked or expired. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

export function isAuthClose(event: unknown): event is { code: number; reason: string } {
  return typeof event === "object" && event !== null && "code" in event && AUTH_CLOSE_CODES.has((event as { code: number }).code);
}

/** Whether an error says the token no longer works (not: this token may not do that). */
export function isAuthError(error: CombinedError): boolean {
  if (error.response && (error.response as Response).status === 401) return true;
  return error.graphQLErrors.some((e) => e.extensions?.["code"] === "UNAUTHENTICATED");
}

/** Waits between reconnections: 0.5 s doubling to 10 s, with jitter. */
async function backoff(retries: number): Promise<void> {
  const ms = Math.min(10_000, 500 * 2 ** retries) * (0.75 + Math.random() / 2);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Subscriptions over graphql-ws. A subscription with an `afterSequence` variable (the signal
 * log) resumes after the last signal it received when the socket reconnects: graphql-ws sends
 * the same payload object again, whose `afterSequence` is kept up to date here.
 */
function forwardTo(ws: WsClient) {
  return subscriptionExchange({
    forwardSubscription(request) {
      const payload = { query: request.query ?? "", operationName: request.operationName, variables: { ...(request.variables ?? {}) } as Record<string, unknown> };
      return {
        subscribe(sink) {
          const unsubscribe = ws.subscribe<Record<string, unknown>>(payload, {
            next(result) {
              const signal = result.data?.["signals"] as { sequence?: unknown } | undefined;
              if ("afterSequence" in payload.variables && typeof signal?.sequence === "number") payload.variables["afterSequence"] = signal.sequence;
              sink.next(result as ExecutionResult);
            },
            error: (e) => sink.error(e),
            complete: () => sink.complete(),
          });
          return { unsubscribe };
        },
      };
    },
  });
}

export interface ConsoleClient {
  client: Client;
  dispose(): void;
}

export function createConsoleClient(token: string | null, onAuthLost: (message: string) => void): ConsoleClient {
  const { http, ws: wsUrl } = endpoints();
  const authorization = token ? bearer(token) : null;
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: Infinity,
    retryWait: backoff,
    shouldRetry: (event) => !isAuthClose(event),
    on: {
      closed: (event) => {
        if (isAuthClose(event)) onAuthLost(event.code === 4403 ? "Your token was revoked or has expired: sign in again." : "The gateway refused your token: sign in again.");
      },
    },
  });
  const client = new Client({
    url: http,
    preferGetMethod: false,
    fetchOptions: (): RequestInit => ({ headers: authorization ? { authorization } : {} }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (isAuthError(error)) onAuthLost("Your token is no longer accepted (revoked or expired): sign in again.");
        },
      }),
      cacheExchange({ keys: graphcacheKeys() }),
      fetchExchange,
      forwardTo(ws),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
