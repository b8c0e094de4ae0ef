/**
 * Baton's import rules (ARCHITECTURE.md, "Import direction"), checked over src/ by
 * test/architecture.test.ts, which is part of `npm test`. By hand:
 *
 *   npx depcruise src --config .dependency-cruiser.cjs
 *
 * Type-only imports count (tsPreCompilationDeps): a layer that needs another's types depends on
 * it as much as one that calls it.
 *
 * Not checkable here: "only src/config.ts reads process.env" is about a global, not an import.
 */
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles anywhere in src/ (type-only imports included).",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "domain-imports-only-domain",
      severity: "error",
      comment: "src/domain/ is the bottom of the graph: it imports nothing of ours outside domain/.",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/domain/" },
    },
    {
      name: "engine-imports-only-domain",
      severity: "error",
      comment: "The engine is pure: it imports only domain/ (and itself). No store, coordinator, clock or I/O.",
      from: { path: "^src/engine/" },
      to: { path: "^src/", pathNot: "^src/(engine|domain)/" },
    },
    {
      name: "merge-imports-only-domain",
      severity: "error",
      comment: "builtin.merge's report and PII masking are pure: merge/ imports only domain/.",
      from: { path: "^src/merge/" },
      to: { path: "^src/", pathNot: "^src/(merge|domain)/" },
    },
    {
      name: "store-not-upward",
      severity: "error",
      comment:
        "The store sits under the engine and the coordinator: it never imports engine/, coordinator/, graphql/ or server/ " +
        "(so a second store, e.g. Postgres, can be added behind the repositories without touching them).",
      from: { path: "^src/store/" },
      to: { path: "^src/(engine|coordinator|graphql|server)/" },
    },
    {
      name: "coordinator-callers",
      severity: "error",
      comment:
        "Only graphql/ (resolvers call it), metrics/ (observes it: coordinator/observer.ts), and server/ and cli/ " +
        "(compose everything) import the coordinator. templates/ and webhooks/ take what they share with it from " +
        "domain/ (clock.ts) and engine/ (validate.ts's checkPlanSteps).",
      from: { path: "^src/", pathNot: "^src/(coordinator|graphql|metrics|server|cli)/" },
      to: { path: "^src/coordinator/" },
    },
    {
      name: "sql-only-in-store",
      severity: "error",
      comment:
        "SQL lives in src/store/ repositories: only they import the database drivers (drizzle-orm, better-sqlite3, " +
        "type-only imports included). No exception is needed: the backup command, the WAL checkpointer and " +
        "openDatabase are in src/store/ too; the CLI reaches the database through them.",
      from: { path: "^src/", pathNot: "^src/store/" },
      to: { path: "(^|/)node_modules/(@types/)?(drizzle-orm|better-sqlite3)(/|$)" },
    },
    {
      name: "src-not-to-tests",
      severity: "error",
      comment: "Nothing in src/ imports test code, benchmarks or examples.",
      from: { path: "^src/" },
      to: { path: "^(test|bench|examples)/" },
    },
    {
      name: "resolvable",
      severity: "error",
      comment:
        "Every import resolves (to a .ts file through tsconfig.json, or a package): an import the cruiser cannot " +
        "resolve would slip past the rules above.",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Node's resolution for a "type": "module" package (the `import` / `types` conditions).
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "types", "default"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
