/**
 * A small typed GraphQL client for Baton, built on the TypedDocumentNodes generated into
 * ./generated/graphql.ts: queries and mutations over HTTP POST (undici's fetch),
 * subscriptions over graphql-ws. Results and variables are typed by the document.
 *
 * @example
 * const client = createClient({ url: "http://127.0.0.1:4000/graphql", token: process.env.BATON_TOKEN });
 * const { plan } = await client.request(GetPlanDocument, { id });
 * for await (const { signals } of client.subscribe(SignalsDocument, { planId: id, afterSequence: 0 })) {
 *   console.log(signals.sequence, signals.kind);
 * }
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { getOperationAST, print, type DocumentNode } from "graphql";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { fetch, Headers, type Response } from "undici";
import WebSocket from "ws";
import { BatonClientError, ClientErrorCode, isConnectionLoss, type ResponseError } from "./errors.js";

export interface ClientOptions {
  /**
   * The gateway's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql; subscriptions use the same
   * URL with ws(s):. Several gateways of one deployment: a list, or URLs separated by commas. The
   * client uses one at a time and moves to the next when it loses the connection to it (a request
   * that could not reach it, a subscription whose connection dropped): the caller's retry (the
   * agent's report retries, `plan watch`'s resubscribe) goes to the next gateway. Nothing is
   * retried by the client itself: a mutation may have been applied before the connection dropped.
   */
  url: string | readonly string[];
  /** An API token: sent as `Authorization: Bearer <token>` and as the WebSocket's `connectionParams.authorization`. */
  token?: string;
  /** Sent with every HTTP request and with the WebSocket handshake (e.g. authorization, x-baton-actor). */
  headers?: Record<string, string>;
  /** Sent as the graphql-ws connection_init payload. @default { authorization, actor } from the headers that are set */
  connectionParams?: Record<string, unknown>;
}

/** Per-request options. */
export interface RequestOptions {
  /** Aborts the HTTP request; the promise rejects with code NETWORK_ERROR. */
  signal?: AbortSignal;
}

export interface BatonClient {
  /** The HTTP endpoint in use (of several: the one requests go to now). */
  readonly url: string;
  /** Every endpoint given, in order. */
  readonly urls: readonly string[];
  /**
   * Runs a query or mutation. Resolves with `data`; rejects with a {@link BatonClientError} whose
   * `code` is the first GraphQL error's `extensions.code` (or NETWORK_ERROR / HTTP_ERROR).
   */
  request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, options?: RequestOptions): Promise<TData>;
  /**
   * Starts a subscription; iterate the result to receive each event's `data`. Breaking out of the
   * loop (or calling `return()`) unsubscribes. The iterator throws a {@link BatonClientError} on a
   * GraphQL error or when the connection closes. There is no silent reconnect: a replaying
   * subscription (signals with afterSequence) would deliver its backlog twice, so resubscribe
   * yourself from the last sequence you saw when `isConnectionLoss` (./errors.ts) says the error was one.
   */
  subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): AsyncIterableIterator<TData>;
  /** Ends every subscription and closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

interface Prepared {
  query: string;
  operationName: string | undefined;
}

const prepared = new WeakMap<DocumentNode, Prepared>();

/** The document printed once, with its operation name. */
function prepare(document: DocumentNode): Prepared {
  let p = prepared.get(document);
  if (!p) {
    p = { query: print(document), operationName: getOperationAST(document)?.name?.value };
    prepared.set(document, p);
  }
  return p;
}

/** Creates a client for one gateway. Cheap; the WebSocket is opened on the first subscription. */
export function createClient(options: ClientOptions): BatonClient {
  const urls = endpoints(options.url);
  let at = 0;
  const headers = options.token ? { ...options.headers, authorization: `Bearer ${options.token}` } : options.headers ?? {};
  let ws: WsClient | null = null;
  const live = new Set<() => void>();

  /** The connection to `failed` was lost: the next request or subscription goes to the next gateway. */
  const failOver = (failed: string): void => {
    if (urls.length === 1 || urls[at] !== failed) return; // one gateway, or moved on already
    at = (at + 1) % urls.length;
    const old = ws;
    ws = null; // the next subscription connects to the next gateway; those open end with the error they got
    void old?.dispose();
  };

  const wsClient = (): { client: WsClient; url: string } => {
    const url = urls[at]!;
    ws ??= createWsClient({
      url: url.replace(/^http/i, "ws"),
      webSocketImpl: webSocketWithHeaders(headers),
      connectionParams: options.connectionParams ?? paramsFrom(headers),
      retryAttempts: 0,
      lazy: true,
    });
    return { client: ws, url };
  };

  return {
    get url() {
      return urls[at]!;
    },
    urls,

    async request(document, variables, requestOptions) {
      const url = urls[at]!;
      const { query, operationName } = prepare(document);
      const body = JSON.stringify({ query, variables, operationName }); // a TypeError for values JSON cannot carry
      const requestHeaders = new Headers(headers);
      if (!requestHeaders.has("accept")) requestHeaders.set("accept", "application/graphql-response+json, application/json");
      requestHeaders.set("content-type", "application/json"); // also keeps Apollo's CSRF prevention satisfied
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: requestHeaders,
          body,
          signal: requestOptions?.signal,
        });
      } catch (e) {
        if (!requestOptions?.signal?.aborted) failOver(url);
        throw new BatonClientError(`cannot reach ${url}: ${describe(e)}`, { code: ClientErrorCode.NETWORK_ERROR, cause: e });
      }
      let result: { data?: unknown; errors?: ResponseError[] } | undefined;
      try {
        result = (await response.json()) as typeof result;
      } catch (e) {
        const code = requestOptions?.signal?.aborted ? ClientErrorCode.NETWORK_ERROR : ClientErrorCode.HTTP_ERROR;
        throw new BatonClientError(`HTTP ${response.status} from ${url} without a GraphQL result`, { code, status: response.status, cause: e });
      }
      if (result?.errors?.length) throw BatonClientError.fromErrors(result.errors, response.status);
      if (!response.ok || result?.data == null) {
        throw new BatonClientError(`HTTP ${response.status} from ${url} without data`, { code: ClientErrorCode.HTTP_ERROR, status: response.status });
      }
      return result.data as never;
    },

    subscribe<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): AsyncIterableIterator<TData> {
      const { query, operationName } = prepare(document);
      const queue: TData[] = [];
      let failure: BatonClientError | null = null;
      let done = false;
      let wake: (() => void) | null = null;
      let unsubscribe = (): void => undefined;
      const finish = (error: BatonClientError | null = null): void => {
        if (done) return;
        done = true;
        failure = error;
        live.delete(finish);
        unsubscribe();
        wake?.();
      };
      const conn = wsClient();
      unsubscribe = conn.client.subscribe<TData>(
        { query, operationName, variables: variables as Record<string, unknown> },
        {
          next(result) {
            if (done) return;
            if (result.errors?.length) return finish(BatonClientError.fromErrors(result.errors));
            if (result.data != null) queue.push(result.data);
            wake?.();
          },
          error: (e) => {
            const error = socketError(e);
            if (isConnectionLoss(error)) failOver(conn.url);
            finish(error);
          },
          complete: () => finish(),
        },
      );
      live.add(finish);

      const iterator: AsyncIterableIterator<TData> = {
        async next(): Promise<IteratorResult<TData>> {
          while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
          wake = null;
          if (queue.length > 0) return { done: false, value: queue.shift()! };
          if (failure) {
            const f = failure;
            failure = null; // throw once; later calls report done
            throw f;
          }
          return { done: true, value: undefined };
        },
        async return(): Promise<IteratorResult<TData>> {
          finish();
          queue.length = 0;
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    async close() {
      for (const finish of [...live]) finish();
      const client = ws;
      ws = null;
      await client?.dispose();
    },
  };
}

/** The endpoints given: a list, or one string of URLs separated by commas. */
export function endpoints(url: string | readonly string[]): string[] {
  const list = (typeof url === "string" ? url.split(",") : [...url]).map((u) => u.trim()).filter((u) => u !== "");
  if (list.length === 0) throw new TypeError("createClient: no gateway URL given");
  return list;
}

/** `ws` with the client's headers on the handshake (graphql-ws constructs it with url and protocol only). */
function webSocketWithHeaders(headers: Record<string, string>): unknown {
  if (Object.keys(headers).length === 0) return WebSocket;
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

/** The connection params carrying what the headers say: the token (authorization) and the actor (x-baton-actor). */
function paramsFrom(headers: Record<string, string>): Record<string, unknown> | undefined {
  const header = (name: string): string | undefined => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const params = Object.fromEntries(Object.entries({ authorization: header("authorization"), actor: header("x-baton-actor") }).filter(([, v]) => v !== undefined));
  return Object.keys(params).length > 0 ? params : undefined;
}

/** graphql-ws reports GraphQL errors as an array, a closed socket as a CloseEvent, anything else as an Error. */
function socketError(e: unknown): BatonClientError {
  if (Array.isArray(e)) return BatonClientError.fromErrors(e as ResponseError[]);
  if (typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "number") {
    const { code, reason } = e as { code: number; reason?: string };
    return new BatonClientError(`connection closed: ${code}${reason ? ` ${reason}` : ""}`, { code: ClientErrorCode.CONNECTION_CLOSED, cause: e });
  }
  return new BatonClientError(`subscription failed: ${describe(e)}`, { code: ClientErrorCode.NETWORK_ERROR, cause: e });
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
}
