/**
 * `npm run bench`: Baton's benchmark. Prints figures and ratios; exits 0. `npm run bench -- console`
 * runs only the console's section (14), `npm run bench -- jobs` only the jobs scenario (13).
 * Not part of the tests: numbers depend on the machine and on what else runs on it.
 * NODE_ENV is set before graphql-js loads, as the `baton` executable does (src/cli/main.ts).
 */
process.env["NODE_ENV"] ??= "production";
const { run } = await import("./run.js");

run(process.argv[2]).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
