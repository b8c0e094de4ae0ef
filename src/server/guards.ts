/**
 * Limits on what one operation may ask, the same over HTTP (Apollo validation rules and a
 * plugin) and WebSocket (graphql-ws onSubscribe): query depth, query complexity, introspection
 * and open operations per connection. Each refusal has a stable `extensions.code`.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import type { Limits } from "../config.js";
import { DEFAULT_PAGE, MAX_PAGE } from "../graphql/pagination.js";
import { DocumentCheck } from "./documents.js";

export const LimitCode = {
  QUERY_TOO_DEEP: "QUERY_TOO_DEEP",
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  INTROSPECTION_DISABLED: "INTROSPECTION_DISABLED",
  TOO_MANY_SUBSCRIPTIONS: "TOO_MANY_SUBSCRIPTIONS",
} as const;

/** A refusal: a GraphQL error with its code, answered 400 over HTTP. */
function refusal(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/**
 * Depth: graphql-armor's maxDepthRule, counting field nesting (fragments flattened) and exempting
 * `__schema`, so that GraphiQL's full introspection query (15 deep) passes whatever the limit.
 */
function depthRule(maxDepth: number): ValidationRule {
  return maxDepthRule({
    n: maxDepth,
    flattenFragments: true,
    ignoreIntrospection: true,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(refusal(`${error.message.replace(/^Syntax Error: /, "")} (BATON_MAX_QUERY_DEPTH)`, LimitCode.QUERY_TOO_DEEP)),
    ],
  });
}

/** With BATON_INTROSPECTION=off: `__schema` and `__type` are refused; `__typename` stays. */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== "__schema" && node.name.value !== "__type") return; // names with __ are reserved to GraphQL
    context.reportError(
      new GraphQLError("Introspection is disabled on this server (BATON_INTROSPECTION=off).", {
        nodes: [node],
        extensions: { code: LimitCode.INTROSPECTION_DISABLED },
      }),
    );
  },
});

/** The validation rules added to GraphQL's own, for HTTP and WebSocket alike. */
export function limitRules(limits: Limits): ValidationRule[] {
  return [depthRule(limits.maxDepth), ...(limits.introspection ? [] : [noIntrospection])];
}

/**
 * A connection (a field with a `first` argument) costs its selection once per item asked:
 * `first` or `last` (the larger, should both be given: that is refused later), or the default
 * page size; every other field costs 1 plus its selection.
 */
const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((a) => a.name === "first")) return undefined;
  const asked = [args["first"], args["last"]].filter((n): n is number => typeof n === "number");
  const items = asked.length ? Math.min(Math.max(...asked, 0), MAX_PAGE) : DEFAULT_PAGE;
  return 1 + childComplexity * items;
};

const estimators = [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })];

/** graphql-query-complexity's refusal of an operation with more selections than maxQueryNodes. */
const TOO_MANY_NODES = /maximum allowed number of nodes/;

/**
 * Costs of documents whose cost does not depend on their variables (no variable in a `first` or `last`
 * argument nor in @skip/@include), by operation name: Apollo hands the same parsed document to
 * every request of the same query, so a plan fetched again and again is counted once.
 */
const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();
const NOT_FIXED = new Map<string, number>();

function costCache(document: DocumentNode): Map<string, number> {
  let cache = fixedCosts.get(document);
  if (!cache) {
    let fixed = true;
    const usesVariable = (node: ASTNode) => {
      let found = false;
      visit(node, { Variable: () => void (found = true) });
      return found;
    };
    visit(document, {
      Argument: (node) => void ((node.name.value === "first" || node.name.value === "last") && usesVariable(node) && (fixed = false)),
      Directive: (node) => void ((node.name.value === "skip" || node.name.value === "include") && usesVariable(node) && (fixed = false)),
    });
    cache = fixed ? new Map() : NOT_FIXED;
    fixedCosts.set(document, cache);
  }
  return cache;
}

/**
 * The operation's complexity against the limit: no error, or one QUERY_TOO_COMPLEX. Selections
 * are walked with fragments expanded, at most 2 × the limit of them (at least 10 000, at most a
 * million: a document of fragments spreading each other twice would otherwise take exponential
 * time); more is too complex, as each field costs at least 1. Variables that do not coerce are
 * left to execution, which reports them (BAD_USER_INPUT).
 */
export function complexityErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  maxComplexity: number,
): GraphQLError[] {
  const tooComplex = (cost: string) =>
    [refusal(`Query too complex: its cost is ${cost}, the limit is ${maxComplexity} (BATON_MAX_QUERY_COMPLEXITY).`, LimitCode.QUERY_TOO_COMPLEX)];
  const cache = costCache(document);
  let complexity = cache.get(operationName ?? "");
  if (complexity === undefined) {
    try {
      complexity = getComplexity({
        schema,
        query: document,
        variables: variables ?? {},
        operationName: operationName ?? undefined,
        estimators,
        maxQueryNodes: Math.min(Math.max(10_000, 2 * maxComplexity), 1_000_000),
      });
    } catch (e) {
      return e instanceof Error && TOO_MANY_NODES.test(e.message) ? tooComplex("more than can be counted") : [];
    }
    if (cache !== NOT_FIXED) cache.set(operationName ?? "", complexity);
  }
  return complexity > maxComplexity ? tooComplex(String(complexity)) : [];
}

/** Apollo: the complexity check once the operation is known, with the request's variables. */
export function complexityPlugin<C extends object>(schema: GraphQLSchema, maxComplexity: number): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operationName }) {
          const errors = complexityErrors(schema, document, request.variables, operationName, maxComplexity);
          if (errors.length > 0) throw errors[0];
        },
      };
    },
  };
}

/** The refusal of an operation over BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION. */
export function tooManySubscriptions(limits: Limits): GraphQLError {
  const message = `Too many subscriptions on this connection: at most ${limits.maxSubscriptionsPerConnection} may be open at once (BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION).`;
  return new GraphQLError(message, { extensions: { code: LimitCode.TOO_MANY_SUBSCRIPTIONS } });
}

/** One first look (./documents.ts) per schema and limits, shared by the connections. */
const checks = new WeakMap<GraphQLSchema, WeakMap<Limits, DocumentCheck>>();
function documentCheck(schema: GraphQLSchema, limits: Limits): DocumentCheck {
  const bySchema = checks.get(schema) ?? checks.set(schema, new WeakMap()).get(schema)!;
  return bySchema.get(limits) ?? bySchema.set(limits, new DocumentCheck(schema, limits)).get(limits)!;
}

export type Checked = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

/**
 * One WebSocket operation checked as one is over HTTP: the operations already open on the
 * connection (this one included), the first look (size, nesting, tokens, aliases), parsing,
 * validation with the limit rules, complexity.
 */
export function checkWsOperation(
  schema: GraphQLSchema,
  limits: Limits,
  rules: readonly ValidationRule[],
  open: number,
  payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
): Checked {
  if (open > limits.maxSubscriptionsPerConnection) return { errors: [tooManySubscriptions(limits)] };
  const first = documentCheck(schema, limits).check(payload.query, false);
  if (!first.ok) return { errors: [first.error] };
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: limits.maxQueryTokens });
  } catch (e) {
    const error = e instanceof GraphQLError ? e : new GraphQLError(String(e));
    return { errors: [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: "GRAPHQL_PARSE_FAILED" } })] };
  }
  const invalid = validate(schema, document, [...specifiedRules, ...rules]);
  if (invalid.length > 0) return { errors: invalid };
  const complex = complexityErrors(schema, document, payload.variables, payload.operationName, limits.maxComplexity);
  return complex.length > 0 ? { errors: complex } : { document };
}
