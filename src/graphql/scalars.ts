import { GraphQLError, GraphQLScalarType, type ValueNode } from "graphql";
import { GraphQLJSON } from "graphql-scalars";
import { DEFAULT_LIMITS } from "../config.js";

let maxJsonBytes = DEFAULT_LIMITS.maxJsonBytes;

/**
 * Sets the largest JSON scalar value accepted, in bytes of its JSON text (BATON_MAX_JSON_BYTES).
 * The schema is built once per process, so this is process-wide: createApp sets it at start.
 */
export function setMaxJsonBytes(bytes: number): void {
  maxJsonBytes = bytes;
}

/** The size of a value as JSON text, in UTF-8 bytes (values parsed here come from JSON or GraphQL literals). */
function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text, "utf8");
}

/** Refuses a value over the limit at parse time, before any resolver sees it: BAD_USER_INPUT. */
function sized<T>(value: T): T {
  const bytes = jsonBytes(value);
  if (bytes > maxJsonBytes) {
    throw new GraphQLError(`JSON value too large: ${bytes} bytes, the limit is ${maxJsonBytes} bytes (BATON_MAX_JSON_BYTES)`, {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return value;
}

/**
 * Any JSON value (graphql-scalars JSON), at most BATON_MAX_JSON_BYTES as JSON text: step input,
 * output and config, context values, signal payloads. DateTimeISO is type-graphql's default
 * Date scalar.
 */
export const JSONScalar = new GraphQLScalarType({
  ...GraphQLJSON.toConfig(),
  parseValue: (value: unknown) => sized(GraphQLJSON.parseValue(value)),
  parseLiteral: (ast: ValueNode, variables?: { [key: string]: unknown } | null) => sized(GraphQLJSON.parseLiteral(ast, variables)),
});
