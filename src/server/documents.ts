/**
 * The first look at a GraphQL document, before GraphQL's own validation and before anything is
 * compiled or run, over HTTP and WebSocket alike. Each check costs time linear in the document,
 * and the document is bounded, so no request can hold the event loop for long here:
 *
 * 1. size: at most `maxQueryBytes` bytes (DOCUMENT_TOO_LARGE);
 * 2. nesting: brackets nested deeper than the depth limit allows are refused by a scan of the
 *    text, before the parser (which recurses) sees them (QUERY_TOO_DEEP);
 * 3. tokens: the parser stops past `maxQueryTokens` (DOCUMENT_TOO_LARGE) — this also bounds the
 *    fields GraphQL's overlap check compares pairwise;
 * 4. without a token only introspection is served: anything else is UNAUTHENTICATED before it is
 *    validated (an introspection-only document is recognised on its root fields);
 * 5. repeats: one response name selected more than MAX_REPEATED_FIELD times at one level,
 *    through fragments too (FIELD_REPEATED): GraphQL's overlap check is quadratic in them;
 * 6. aliases: graphql-armor's max-aliases rule, fragments counted each time they are spread
 *    (TOO_MANY_ALIASES), run alone before the full validation.
 *
 * A document that passed is remembered (a bounded set of texts), so a query sent again and
 * again is checked once. GraphQL's validation follows (Apollo over HTTP, checkWsOperation over
 * WebSocket).
 */
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { GraphQLError, Kind, parse, validate, visit, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from "graphql";
import type { Limits } from "../config.js";
import { Lru } from "../domain/lru.js";

export const DocumentCode = {
  DOCUMENT_TOO_LARGE: "DOCUMENT_TOO_LARGE",
  TOO_MANY_ALIASES: "TOO_MANY_ALIASES",
  FIELD_REPEATED: "FIELD_REPEATED",
  QUERY_TOO_DEEP: "QUERY_TOO_DEEP",
  UNAUTHENTICATED: "UNAUTHENTICATED",
} as const;

/** Root fields that read the schema, open without a token. */
const INTROSPECTION_FIELDS = new Set(["__schema", "__type", "__typename"]);

/**
 * Brackets a document may nest: the selection depth limit, plus room for arguments and JSON
 * literals (refused past 100 levels anyway by the JSON scalar).
 */
export const maxNesting = (limits: Pick<Limits, "maxDepth">): number => 2 * limits.maxDepth + 128;

export type Verdict =
  | { ok: true; introspection: boolean }
  | { ok: false; status: number; error: GraphQLError };

const refuse = (status: number, code: string, message: string): Verdict => ({
  ok: false,
  status,
  error: new GraphQLError(message, { extensions: { code } }),
});

/**
 * How deep brackets (`{`, `(`, `[`) nest in a GraphQL text, strings and comments skipped; stops
 * counting past `max` (returns max + 1).
 */
export function bracketDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x28 || c === 0x5b) {
      if (++depth > deepest && (deepest = depth) > max) return deepest;
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      depth = Math.max(0, depth - 1);
    } else if (c === 0x23) {
      // a comment, to the end of the line
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22) {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        // a block string ends at the first """ not escaped as \"""
        let j = end;
        while (j > 0 && text.charCodeAt(j - 1) === 0x5c) j = text.indexOf('"""', j + 3);
        i = j < 0 ? text.length : j + 2;
      } else {
        for (i++; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
        }
      }
    }
  }
  return deepest;
}

/** Whether every operation of the document asks only for `__schema`, `__type` or `__typename` at its root. */
export function isIntrospectionOnly(document: DocumentNode): boolean {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const rootOnly = (set: SelectionSetNode): boolean =>
    set.selections.every((s) => {
      if (s.kind === Kind.FIELD) return INTROSPECTION_FIELDS.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return rootOnly(s.selectionSet);
      const fragment = fragments.get(s.name.value);
      if (!fragment) return true; // validation reports it
      if (seen.has(s.name.value)) return true;
      seen.add(s.name.value);
      return rootOnly(fragment.selectionSet);
    });
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operations.length > 0 && operations.every((op) => op.operation === "query" && rootOnly(op.selectionSet));
}

/**
 * How often a response name may be selected at one level of a selection set, counting the
 * fields of every fragment spread or inlined there once. GraphQL's validation compares such
 * fields pairwise (OverlappingFieldsCanBeMerged): 500 copies of one field cost it 150 ms.
 */
export const MAX_REPEATED_FIELD = 50;

/**
 * The response name selected most often at any one level of the document, and how often; linear
 * in the document's size apart from the fragments each level reaches.
 */
export function mostRepeatedField(document: DocumentNode): { name: string; count: number } {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  let worst = { name: "", count: 0 };
  const countLevel = (root: SelectionSetNode): void => {
    const counts = new Map<string, number>();
    const reached = new Set<string>();
    const stack: SelectionSetNode[] = [root];
    while (stack.length > 0) {
      for (const s of stack.pop()!.selections) {
        if (s.kind === Kind.FIELD) {
          const name = s.alias?.value ?? s.name.value;
          const count = (counts.get(name) ?? 0) + 1;
          counts.set(name, count);
          if (count > worst.count) worst = { name, count };
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          stack.push(s.selectionSet);
        } else if (!reached.has(s.name.value)) {
          reached.add(s.name.value);
          const set = fragments.get(s.name.value);
          if (set) stack.push(set);
        }
      }
    }
  };
  visit(document, { SelectionSet: (node) => void countLevel(node) });
  return worst;
}

/** Characters of checked documents remembered at most (one of over a sixteenth of it is not kept). */
const REMEMBERED_CHARS = 2 * 1024 * 1024;

export class DocumentCheck {
  /** Texts that passed and whether each is introspection only, weighed by their length. */
  private readonly passed = new Lru<string, boolean>(REMEMBERED_CHARS);
  private readonly aliasRule;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: Limits,
  ) {
    this.aliasRule = maxAliasesRule({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [
        (context, error) =>
          context?.reportError(
            new GraphQLError(`${error.message.replace(/^Syntax Error: /, "")} (BATON_MAX_QUERY_ALIASES)`, { extensions: { code: DocumentCode.TOO_MANY_ALIASES } }),
          ),
      ],
    });
  }

  /**
   * The verdict on one document text. `anonymous`: sent without a token while authentication is
   * on, so only introspection may pass. A text that is not a string, or does not parse, passes
   * with no document: GraphQL's own handling reports it.
   */
  check(query: unknown, anonymous: boolean): Verdict {
    const verdict = this.look(query, anonymous);
    // Without a token, whatever is refused is refused for want of one.
    return anonymous && !verdict.ok ? refuse(401, DocumentCode.UNAUTHENTICATED, AUTH_REQUIRED) : verdict;
  }

  private look(query: unknown, anonymous: boolean): Verdict {
    // Not a text: GraphQL's own handling says what is wrong — but not to a caller without a token.
    if (typeof query !== "string") return anonymous ? refuse(401, DocumentCode.UNAUTHENTICATED, AUTH_REQUIRED) : { ok: true, introspection: false };
    const known = this.passed.get(query);
    if (known !== undefined) {
      if (anonymous && !known) return refuse(401, DocumentCode.UNAUTHENTICATED, AUTH_REQUIRED);
      return { ok: true, introspection: known };
    }
    const { maxQueryBytes, maxQueryTokens } = this.limits;
    // A character is 1 to 3 bytes in UTF-8 (4 for a pair of UTF-16 units): counted only when near.
    if (query.length > maxQueryBytes / 3 && Buffer.byteLength(query) > maxQueryBytes) {
      return refuse(400, DocumentCode.DOCUMENT_TOO_LARGE, `the document is over ${maxQueryBytes} bytes (BATON_MAX_QUERY_BYTES)`);
    }
    const nesting = maxNesting(this.limits);
    if (bracketDepth(query, nesting) > nesting) {
      return refuse(400, DocumentCode.QUERY_TOO_DEEP, `brackets nested more than ${nesting} deep (BATON_MAX_QUERY_DEPTH)`);
    }
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: maxQueryTokens });
    } catch (e) {
      // graphql-js: "Document contains more that N tokens. Parsing aborted."
      if (e instanceof GraphQLError && /\d+ tokens\. Parsing aborted/.test(e.message)) {
        return refuse(400, DocumentCode.DOCUMENT_TOO_LARGE, `the document has more than ${maxQueryTokens} tokens (BATON_MAX_QUERY_TOKENS)`);
      }
      return anonymous ? refuse(401, DocumentCode.UNAUTHENTICATED, AUTH_REQUIRED) : { ok: true, introspection: false };
    }
    const introspection = isIntrospectionOnly(document);
    if (anonymous && !introspection) return refuse(401, DocumentCode.UNAUTHENTICATED, AUTH_REQUIRED);
    const repeated = mostRepeatedField(document);
    if (repeated.count > MAX_REPEATED_FIELD) {
      return refuse(400, DocumentCode.FIELD_REPEATED, `"${repeated.name.slice(0, 100)}" is selected ${repeated.count} times at one level (fragments included); at most ${MAX_REPEATED_FIELD}`);
    }
    const [tooMany] = validate(this.schema, document, [this.aliasRule]);
    if (tooMany) return { ok: false, status: 400, error: tooMany };
    this.remember(query, introspection);
    return { ok: true, introspection };
  }

  private remember(query: string, verdict: boolean): void {
    if (query.length <= REMEMBERED_CHARS / 16) this.passed.set(query, verdict, query.length);
  }

}

export const AUTH_REQUIRED = "authentication required: send Authorization: Bearer <token> (without a token only introspection is served)";
