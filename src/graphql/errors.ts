/**
 * The error edge: every GraphQL error leaves with a stable `extensions.code`.
 * BatonErrors keep their code, message and details; GraphQL's own errors (syntax,
 * validation, variable coercion) keep their message (its middle cut past 1,000 characters);
 * a storage failure (full disk, read-only database…: src/store/storage-errors.ts) is logged
 * with its SQLite error and leaves with its STORAGE_* code and a message without SQL or path;
 * anything else is logged and masked as "Unexpected error.". Used for HTTP (Apollo
 * formatError) and WebSocket (graphql-ws) alike.
 */
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { isBatonError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import { describeStorageError, isStorageFailure, storageFailure } from "../store/storage-errors.js";

export const UNEXPECTED = "Unexpected error.";

/** Longest GraphQL message sent back: graphql-js quotes an invalid variable whole (up to BATON_MAX_BODY_BYTES). */
const MAX_MESSAGE = 1_000;

/** A long message with its middle cut out: the start (which variable) and the end (why) stay. */
function elide(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  const half = Math.floor((MAX_MESSAGE - 3) / 2);
  return `${message.slice(0, half)} … ${message.slice(-half)}`;
}

export function formatError(error: unknown, logger: Logger, dev: boolean): GraphQLFormattedError {
  const gql = error instanceof GraphQLError ? error : null;
  const original = gql ? gql.originalError ?? null : error;
  const where = { path: gql?.path, locations: gql?.locations };
  // A storage failure is mapped by Store.transact; one outside a transaction (a read) here.
  const baton = isBatonError(original) ? original : storageFailure(original);
  if (baton) {
    if (isStorageFailure(baton)) logger.error({ err: baton.cause ?? baton, path: gql?.path, code: baton.code }, `storage failure: ${describeStorageError(baton) ?? baton.message}`);
    return { message: baton.message, ...where, extensions: { ...baton.details, code: baton.code } };
  }
  if (gql && (original === null || original instanceof GraphQLError)) {
    const code = (original as GraphQLError | null)?.extensions?.["code"] ?? gql.extensions["code"] ?? "GRAPHQL_VALIDATION_FAILED";
    return { message: elide(gql.message), ...where, extensions: { code } };
  }
  logger.error({ err: original, path: gql?.path }, "unexpected error in GraphQL execution");
  const extensions: Record<string, unknown> = { code: "INTERNAL_SERVER_ERROR" };
  if (dev && original instanceof Error) extensions["stacktrace"] = original.stack?.split("\n");
  return { message: UNEXPECTED, ...where, extensions };
}
