import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import type { Principal } from "../../src/auth/tokens.js";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import { createApolloServer } from "../../src/server/app.js";
import { makeCoordinator, type CoordinatorFixtureOptions } from "./fixtures.js";

export const silentLogger = pino({ level: process.env.DBG ? "debug" : "silent" });

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, any>; path?: readonly (string | number)[] }[];
}

/** In-process API: the real schema and Apollo server, on a fresh in-memory database (or `opts.file`). */
export async function makeApi(opts: CoordinatorFixtureOptions = {}) {
  const { coordinator, clock, store } = await makeCoordinator(opts);
  const apollo = createApolloServer(opts.logger ?? silentLogger, false);
  await apollo.start();
  /** Runs an operation as `principal` (by default an admin named `actor`, as with authentication off). */
  async function exec<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    actor = "tester",
    principal: Principal | null = { name: actor, role: "admin", tokenId: null },
  ): Promise<GqlResult<T>> {
    const res = await apollo.executeOperation({ query, variables }, { contextValue: { coordinator: coordinator as Coordinator, principal, actor } });
    if (res.body.kind !== "single") throw new Error("expected a single result");
    return res.body.singleResult as GqlResult<T>;
  }
  /** Runs an operation that must succeed and returns its data. */
  async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await exec<T>(query, variables);
    if (r.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
    return r.data as T;
  }
  return { coordinator, clock, store, exec, ok, stop: () => apollo.stop() };
}

export type Api = Awaited<ReturnType<typeof makeApi>>;

/** A fresh in-process API for each test of the calling file: made before each test, stopped after it. */
export function useApi(opts: CoordinatorFixtureOptions = {}): Api {
  let current: Api | null = null;
  beforeEach(async () => {
    current = await makeApi(opts);
  });
  afterEach(async () => {
    await current?.stop();
    current = null;
  });
  return new Proxy({} as Api, {
    get(_target, key) {
      if (!current) throw new Error("useApi: the API exists only while a test runs");
      return current[key as keyof Api];
    },
  });
}

/** Principals of each kind for visibility tests: two agent tokens (coder, reviewer), a viewer and an operator. */
export const principals = {
  coder: { name: "coder-bot", role: "agent", tokenId: "tok_coder", roles: null },
  reviewer: { name: "review-bot", role: "agent", tokenId: "tok_reviewer", roles: null },
  viewer: { name: "vera", role: "viewer", tokenId: "tok_viewer" },
  operator: { name: "alice", role: "operator", tokenId: "tok_operator" },
} as const satisfies Record<string, Principal>;

/** Runs an operation as `p` that must succeed, and returns its data. */
export async function okAs<T = Record<string, any>>(api: Api, p: Principal, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await api.exec<T>(query, variables, p.name, p);
  if (r.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}
