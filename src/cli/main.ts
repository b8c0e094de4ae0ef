#!/usr/bin/env node
/**
 * The `baton` executable. graphql-js runs its development-mode checks (several times slower)
 * unless NODE_ENV is production when it loads, so the default is set before anything imports it.
 */
process.env["NODE_ENV"] ??= "production";
await import("./baton.js");
