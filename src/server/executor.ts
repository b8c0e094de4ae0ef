/**
 * Query and mutation execution through graphql-jit: the operation is compiled once into a
 * JavaScript function (cached by its hash) instead of being interpreted field by field on every
 * request — a 100-step plan query runs about three times faster. Apollo Server 5 accepts a
 * custom executor only through its gateway interface, so this is a minimal "gateway" over the
 * local schema. Parsing, validation, plugins and error formatting stay Apollo's; subscriptions
 * (graphql-ws) keep graphql-js.
 */
import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
import { getVariableValues, GraphQLError, printSchema, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";

type JitError = GraphQLFormattedError & { originalError?: Error };

/** Distinct operations kept compiled; the least recently used is dropped past this. */
const CACHE_LIMIT = 1_000;

export function jitExecutor(schema: GraphQLSchema): GatewayExecutor {
  const compiled = new Map<string, CompiledQuery>();
  return async (rc) => {
    // No operation of that name (or several and none named): nothing to run. graphql-js says so
    // in its own words, as a request error.
    if (!rc.operation) {
      const message = rc.operationName ? `Unknown operation named "${rc.operationName}".` : "Must provide operation name if query contains multiple operations.";
      return { errors: [new GraphQLError(message.slice(0, 300), { extensions: { code: "OPERATION_RESOLUTION_FAILURE" } })] };
    }
    if (rc.operation.operation === "subscription") {
      return { errors: [new GraphQLError("subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP", { extensions: { code: "BAD_REQUEST" } })] };
    }
    const key = `${rc.queryHash}:${rc.operationName ?? ""}`;
    let query = compiled.get(key);
    if (query) {
      compiled.delete(key); // refresh its place in the LRU order
    } else {
      const result = compileQuery(schema, rc.document, rc.operationName ?? undefined);
      if (!isCompiledQuery(result)) return result;
      query = result;
      if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
    }
    compiled.set(key, query);
    // graphql-js checks the variables first: its errors are the ones Apollo reports as
    // BAD_USER_INPUT (HTTP 400); graphql-jit's equivalents carry no AST nodes to tell them apart.
    // The compiled query is then given the variables as sent: it coerces them itself (coercing
    // twice would read an enum's internal value as its name).
    const variables = getVariableValues(schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {});
    if (variables.errors) return { errors: variables.errors };
    const result = await query.query(undefined, rc.context, rc.request.variables ?? {});
    return result.errors ? { ...result, errors: result.errors.map(toGraphQLError) } : result;
  };
}

/**
 * graphql-jit's errors lack `extensions` when none were set, which Apollo's error handling
 * requires: rebuild each as a plain graphql-js GraphQLError.
 */
function toGraphQLError(e: JitError): GraphQLError {
  const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
  Object.assign(error, { locations: e.locations });
  return error;
}

/** The gateway interface over one fixed, local schema. */
export function localGateway(schema: GraphQLSchema): GatewayInterface {
  const executor = jitExecutor(schema);
  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async stop() {},
  };
}
