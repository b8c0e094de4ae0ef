/**
 * The baton command line: `baton serve` (default), `baton migrate`, `baton schema`,
 * `baton backup <file> [--force]`, `baton token create|list|revoke`, `baton --version` (`-v`),
 * and against a running gateway (src/cli/plans.ts): `baton plan create|get|list|watch`,
 * `baton agents`.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "../config.js";
import { BackupError, backupDatabase } from "../store/backup.js";
import { DatabaseOpenError, openDatabase } from "../store/database.js";
import { maskedUrl, openPostgresStore, PostgresOpenError } from "../store/postgres-database.js";
import { describeStorageError } from "../store/storage-errors.js";
import type { App } from "../server/app.js";
import { tokenCommand, UsageError } from "./tokens.js";

const USAGE = `usage: baton <command>
  serve     run the gateway (default)
  migrate   create or migrate the database named by BATON_DB, then exit
  schema    print the GraphQL schema (SDL)
  --version, -v
            print Baton's version (as in package.json)
  backup <file> [--force]
            copy the database named by BATON_DB to <file>, also while a server runs on it
  token create --name <name> --role <viewer|operator|agent|admin|metrics> [--expires-in 30d] [--roles a,b]
            create an API token (printed once); token list; token revoke <id>
  plan create --file <plan.yaml|plan.json> [--start false]
            create a plan on the gateway (BATON_URL, BATON_TOKEN); prints its id
  plan get <id> [--json]; plan list [--state S] [--first N] [--json]
            a plan with its steps wave by wave; a table of plans
  plan watch <id>
            follow a plan live, one progress bar per wave, then a summary (exit 0 if it COMPLETED)
  agents [--json]
            the agents, their roles, status and leases`;

const BACKUP_USAGE = "usage: baton backup <file> [--force]";

/** `baton backup <file> [--force]`: an online copy of BATON_DB (see src/store/backup.ts). */
async function backup(args: string[]): Promise<void> {
  let force = false;
  const files: string[] = [];
  for (const arg of args) {
    if (arg === "--force" || arg === "-f") force = true;
    else if (arg === "--") continue;
    else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg} (${BACKUP_USAGE})`);
    else files.push(arg);
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? `backup needs a file (${BACKUP_USAGE})` : `one backup file expected, got ${files.length} (${BACKUP_USAGE})`);
  const config = loadConfig();
  if (config.database) {
    throw new BackupError(
      `the database is PostgreSQL (${maskedUrl(config.database.url)}): back it up with pg_dump, e.g. pg_dump --format=custom --schema=${config.database.schema} --file=baton.dump "$BATON_DATABASE_URL" (docs/postgres.md)`,
    );
  }
  const r = await backupDatabase(config.dbFile, files[0]!, { force });
  process.stdout.write(`backup of ${r.source} written to ${r.destination} (${r.pages} pages, ${r.bytes} bytes)\n`);
}

/** Signals this close to the first one are the same signal delivered twice. */
const SAME_SIGNAL_MS = 1_000;

// The server and the schema are imported by the commands that need them: `baton backup` and
// `baton migrate` start in a fraction of the time without graphql and the resolvers.
async function serve(): Promise<void> {
  const [{ createApp }, { createLogger }] = await Promise.all([import("../server/app.js"), import("../logger.js")]);
  const config = loadConfig();
  const logger = createLogger(config);
  // The handlers come first: a signal while the database is opened, or between "listening" and
  // their installation, would kill the process undrained (the default action).
  let app: App | null = null;
  let starting: Promise<unknown> = Promise.resolve();
  let firstSignalAt: number | null = null;
  const shutdown = (signal: string): void => {
    if (firstSignalAt !== null) {
      // One signal is often delivered twice at once: `timeout` sends it to the process and to its
      // group, npm forwards the terminal's Ctrl-C to the child that got it too. Only a signal
      // sent later is a second one, asking to stop without draining.
      if (performance.now() - firstSignalAt < SAME_SIGNAL_MS) return logger.debug({ signal }, "the same signal again: still draining");
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    firstSignalAt = performance.now();
    logger.info({ signal }, "draining");
    const force = setTimeout(() => {
      logger.error("drain took too long: exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    starting
      .catch(() => undefined) // a failed start reports itself
      .then(() => app?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "error while draining");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  const started = (async () => {
    app = await createApp(config, { logger });
    return app.start();
  })();
  starting = started;
  const { url, adminTokenFile } = await started;
  const db = config.database ? maskedUrl(config.database.url) : config.dbFile;
  logger.info({ url, db, auth: config.auth }, "baton is ready");
  if (adminTokenFile) process.stdout.write(`First start: an admin token was written to ${adminTokenFile} (readable by you only)\n`);
  process.stdout.write(`Baton listening on ${url} (database ${db})\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command = "serve"] = argv;
  switch (command) {
    case "--version":
    case "-v": {
      const { batonVersion } = await import("../version.js");
      process.stdout.write(`${batonVersion()}\n`);
      return;
    }
    case "serve":
      return serve();
    case "migrate": {
      const config = loadConfig();
      if (config.database) await (await openPostgresStore(config.database)).close();
      else await openDatabase(config.dbFile).close();
      process.stdout.write(`database ${config.database ? maskedUrl(config.database.url) : config.dbFile} is migrated\n`);
      return;
    }
    case "schema": {
      const [{ lexicographicSortSchema, printSchema }, { batonSchema }] = await Promise.all([import("graphql"), import("../graphql/schema.js")]);
      process.stdout.write(`${printSchema(lexicographicSortSchema(batonSchema()))}\n`);
      return;
    }
    case "backup":
      return backup(argv.slice(1));
    case "token":
      return tokenCommand(argv.slice(1));
    case "plan":
      return (await import("./plans.js")).planCommand(argv.slice(1));
    case "agents":
      return (await import("./plans.js")).agentsCommand(argv.slice(1));
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof ConfigError || e instanceof BackupError || e instanceof UsageError ? e.message : startFailure(e);
  process.stderr.write(`baton: ${message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});

/** One clear line for the usual reasons a start fails. */
function startFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EADDRINUSE") return `port already in use (${err.message})`;
  if (err?.code === "EACCES") return `permission denied (${err.message})`;
  if (e instanceof DatabaseOpenError || e instanceof PostgresOpenError) return `database error: ${e.message}`;
  const sqlite = describeStorageError(e); // also a full disk met after opening; never drizzle's SQL
  if (sqlite) return `database error: ${sqlite}`;
  return err instanceof Error ? err.message : String(e);
}
