/**
 * GraphiQL's fetcher for Baton: queries and mutations as JSON POSTs to /graphql, subscriptions
 * over graphql-ws on the same path. The token the console signed in with goes as the
 * `Authorization` header, on the WebSocket as the connection parameter Baton reads it from;
 * an Authorization typed in GraphiQL's headers editor takes its place.
 */
import { getOperationAST, type DocumentNode, type FormattedExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { bearer, readToken } from "../session.js";

export interface FetcherParams {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}

export interface FetcherOpts {
  headers?: Record<string, unknown>;
  documentAST?: DocumentNode;
}

type Result = Promise<FormattedExecutionResult> | AsyncIterable<FormattedExecutionResult>;

/** The request's headers: the editor's, else the console's token as Authorization. */
export function requestHeaders(editor: Record<string, unknown> | undefined, token: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(editor ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  if (headers["authorization"] === undefined && token) headers["authorization"] = bearer(token);
  return headers;
}

export function createBatonFetcher(url: string, wsUrl: string): (params: FetcherParams, opts?: FetcherOpts) => Result {
  let socket: { authorization: string | undefined; client: Client } | null = null;
  /** One WebSocket per token: a new Authorization in the editor opens a new one. */
  const socketFor = (authorization: string | undefined): Client => {
    if (socket === null || socket.authorization !== authorization) {
      void socket?.client.dispose();
      socket = {
        authorization,
        client: createClient({ url: wsUrl, lazy: true, retryAttempts: 2, connectionParams: authorization ? { authorization } : {} }),
      };
    }
    return socket.client;
  };
  return (params, opts) => {
    const headers = requestHeaders(opts?.headers, readToken());
    const operation = opts?.documentAST ? getOperationAST(opts.documentAST, params.operationName ?? undefined) : null;
    if (operation?.operation === "subscription") {
      return socketFor(headers["authorization"]).iterate({
        query: params.query,
        operationName: params.operationName ?? undefined,
        variables: (params.variables ?? undefined) as Record<string, unknown> | undefined,
      });
    }
    return fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify(params),
    }).then((res) => res.json() as Promise<FormattedExecutionResult>);
  };
}
