/**
 * Query and mutation execution through graphql-jit: an operation run again is compiled into a
 * JavaScript function (cached by its hash) instead of being interpreted field by field on every
 * request — a 100-step plan query runs about three times faster. Only operations Apollo has
 * validated reach this executor; one run once, or a long document, is run by graphql-js, which
 * costs no compilation; introspection answers are kept whole. Apollo Server 5 accepts a
 * custom executor only through its gateway interface, so this is a minimal "gateway" over the
 * local schema. Parsing, validation, plugins and error formatting stay Apollo's; subscriptions
 * (graphql-ws) keep graphql-js.
 */
import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
import {
  execute,
  getVariableValues,
  GraphQLError,
  Kind,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { isIntrospectionOnly } from "./documents.js";
import { Lru } from "../domain/lru.js";

type JitError = GraphQLFormattedError & { originalError?: Error };

/**
 * What is kept compiled, bounded by the documents' length: a compiled query takes about 400
 * bytes of heap per character of its document (measured), so 256 KiB of documents is about
 * 100 MiB. The least recently used are dropped past it.
 */
const COMPILED_CHARS = 256 * 1024;
/**
 * Larger operations are never compiled: compiling costs more than running them (graphql-js).
 * Compiling takes ~0.1 ms per field, fragments expanded (100 aliases of a plan and 5 of its
 * fields: 600 fields, 60–80 ms), so only operations of at most 300 fields and 16 KiB are.
 */
const MAX_COMPILED_CHARS = 16 * 1024;
const MAX_COMPILED_FIELDS = 300;
/** A document is compiled on its second run: one sent once is run by graphql-js. */
const COMPILE_AFTER_RUNS = 2;
/** Documents counted towards compiling (their hashes only), and introspection answers kept. */
const SEEN_LIMIT = 10_000;
const INTROSPECTION_ANSWERS = 32;

/** Whether an operation asks only for __schema, __type or __typename at its root (remembered per parsed operation). */
const schemaOnly = new WeakMap<OperationDefinitionNode, boolean>();
function readsSchemaOnly(op: OperationDefinitionNode, document: DocumentNode): boolean {
  let only = schemaOnly.get(op);
  if (only === undefined) {
    only = isIntrospectionOnly({ ...document, definitions: [op, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] });
    schemaOnly.set(op, only);
  }
  return only;
}

/** Fields of an operation with its fragments expanded, counted up to `max` + 1 (remembered per parsed operation). */
const fieldCounts = new WeakMap<OperationDefinitionNode, number>();
function expandedFields(op: OperationDefinitionNode, document: DocumentNode, max: number): number {
  const known = fieldCounts.get(op);
  if (known !== undefined) return known;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  const perFragment = new Map<string, number>();
  const count = (set: SelectionSetNode, depth: number): number => {
    let n = 0;
    for (const s of set.selections) {
      if (n > max || depth > 100) return max + 1;
      if (s.kind === Kind.FIELD) n += 1 + (s.selectionSet ? count(s.selectionSet, depth + 1) : 0);
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet, depth + 1);
      else {
        let f = perFragment.get(s.name.value);
        if (f === undefined) {
          perFragment.set(s.name.value, max + 1); // a cycle (refused by validation) counts as too many
          const set = fragments.get(s.name.value);
          f = set ? count(set, depth + 1) : 0;
          perFragment.set(s.name.value, f);
        }
        n += f;
      }
    }
    return Math.min(n, max + 1);
  };
  const n = count(op.selectionSet, 0);
  fieldCounts.set(op, n);
  return n;
}

export interface ExecutorStats {
  /** Documents compiled and kept, and their total length. */
  compiled: number;
  compiledChars: number;
  /** Compilations since start. */
  compilations: number;
}

export function jitExecutor(schema: GraphQLSchema, stats?: ExecutorStats): GatewayExecutor {
  const compiled = new Lru<string, CompiledQuery>(COMPILED_CHARS); // weighed by document length
  const runs = new Lru<string, number>(SEEN_LIMIT);
  const introspection = new Lru<string, ExecutionResult>(INTROSPECTION_ANSWERS);
  const counters = stats ?? { compiled: 0, compiledChars: 0, compilations: 0 };
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
    const variableValues = rc.request.variables ?? {};
    // The schema never changes while the process runs: an introspection answer is kept and served
    // again (GraphiQL, codegen and IDEs send the same few documents).
    if (readsSchemaOnly(rc.operation, rc.document)) {
      const key = `${rc.queryHash}:${rc.operationName ?? ""}:${JSON.stringify(variableValues)}`;
      const kept = introspection.get(key);
      if (kept) return kept;
      const result = await execute({ schema, document: rc.document, operationName: rc.operationName, variableValues });
      if (!result.errors) introspection.set(key, result);
      return result;
    }
    // graphql-js checks the variables first: its errors are the ones Apollo reports as
    // BAD_USER_INPUT (HTTP 400); graphql-jit's equivalents carry no AST nodes to tell them apart.
    // The compiled query is then given the variables as sent: it coerces them itself (coercing
    // twice would read an enum's internal value as its name).
    const variables = getVariableValues(schema, rc.operation.variableDefinitions ?? [], variableValues);
    if (variables.errors) return { errors: variables.errors };
    const key = `${rc.queryHash}:${rc.operationName ?? ""}`;
    let query = compiled.get(key);
    if (!query) {
      const chars = rc.source.length;
      const seen = (runs.get(key) ?? 0) + 1;
      if (chars > MAX_COMPILED_CHARS || seen < COMPILE_AFTER_RUNS || expandedFields(rc.operation, rc.document, MAX_COMPILED_FIELDS) > MAX_COMPILED_FIELDS) {
        runs.set(key, seen);
        return execute({ schema, document: rc.document, operationName: rc.operationName, variableValues, contextValue: rc.context });
      }
      runs.delete(key);
      const result = compileQuery(schema, rc.document, rc.operationName ?? undefined);
      if (!isCompiledQuery(result)) return result;
      query = result;
      compiled.set(key, query, chars);
      counters.compilations++;
      counters.compiled = compiled.size;
      counters.compiledChars = compiled.weight;
    }
    const result = await query.query(undefined, rc.context, variableValues);
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
export function localGateway(schema: GraphQLSchema, stats?: ExecutorStats): GatewayInterface {
  const executor = jitExecutor(schema, stats);
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
