import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
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

/** Deepest nesting of arrays and objects a JSON value may have. Deeper values are refused before anything recurses into them (parsers, converters, JSON.stringify would overflow the stack). */
export const MAX_JSON_DEPTH = 100;

const tooDeep = (): GraphQLError =>
  new GraphQLError(`JSON value nested deeper than ${MAX_JSON_DEPTH} levels`, { extensions: { code: "BAD_USER_INPUT" } });

/** Refuses a value nested deeper than MAX_JSON_DEPTH; walks it without recursion. */
function shallow<T>(value: T): T {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) throw tooDeep();
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return value;
}

/** The same for a GraphQL literal, before graphql-scalars parses it (recursively). */
function shallowLiteral(ast: ValueNode): ValueNode {
  const stack: [ValueNode, number][] = [[ast, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    const children = node.kind === Kind.LIST ? node.values : node.kind === Kind.OBJECT ? node.fields.map((f) => f.value) : null;
    if (!children) continue;
    if (depth >= MAX_JSON_DEPTH) throw tooDeep();
    for (const child of children) stack.push([child, depth + 1]);
  }
  return ast;
}

/**
 * Any JSON value (graphql-scalars JSON), at most BATON_MAX_JSON_BYTES as JSON text and
 * MAX_JSON_DEPTH levels deep: step input,
 * output and config, context values, signal payloads. DateTimeISO is type-graphql's default
 * Date scalar.
 */
export const JSONScalar = new GraphQLScalarType({
  ...GraphQLJSON.toConfig(),
  parseValue: (value: unknown) => sized(GraphQLJSON.parseValue(shallow(value))),
  // Variables inside a literal are checked once substituted.
  parseLiteral: (ast: ValueNode, variables?: { [key: string]: unknown } | null) => sized(shallow(GraphQLJSON.parseLiteral(shallowLiteral(ast), variables))),
});
