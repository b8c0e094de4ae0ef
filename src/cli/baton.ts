/**
 * The baton command line: `baton serve` (default), `baton migrate`, `baton schema`,
 * `baton backup <file> [--force]`.
 */
import "reflect-metadata";
import { ConfigError, loadConfig } from "../config.js";
import { BackupError, backupDatabase } from "../store/backup.js";
import { openDatabase } from "../store/database.js";

const USAGE = `usage: baton <command>
  serve     run the gateway (default)
  migrate   create or migrate the database named by BATON_DB, then exit
  schema    print the GraphQL schema (SDL)
  backup <file> [--force]
            copy the database named by BATON_DB to <file>, also while a server runs on it`;

const BACKUP_USAGE = "usage: baton backup <file> [--force]";

/** A command line the command cannot run: one line on stderr, exit code 2. */
class UsageError extends Error {}

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
  const r = await backupDatabase(config.dbFile, files[0]!, { force });
  process.stdout.write(`backup of ${r.source} written to ${r.destination} (${r.pages} pages, ${r.bytes} bytes)\n`);
}

// The server and the schema are imported by the commands that need them: `baton backup` and
// `baton migrate` start in a fraction of the time without graphql and the resolvers.
async function serve(): Promise<void> {
  const [{ createApp }, { createLogger }] = await Promise.all([import("../server/app.js"), import("../logger.js")]);
  const config = loadConfig();
  const logger = createLogger(config);
  const app = createApp(config, { logger });
  const { url } = await app.start();
  logger.info({ url, db: config.dbFile }, "baton is ready");
  process.stdout.write(`Baton listening on ${url} (database ${config.dbFile})\n`);
  let signals = 0;
  const shutdown = (signal: string): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    logger.info({ signal }, "draining");
    const force = setTimeout(() => {
      logger.error("drain took too long: exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "error while draining");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function main(argv: string[]): Promise<void> {
  const [command = "serve"] = argv;
  switch (command) {
    case "serve":
      return serve();
    case "migrate": {
      const config = loadConfig();
      await openDatabase(config.dbFile).close();
      process.stdout.write(`database ${config.dbFile} is migrated\n`);
      return;
    }
    case "schema": {
      const [{ lexicographicSortSchema, printSchema }, { batonSchema }] = await Promise.all([import("graphql"), import("../graphql/schema.js")]);
      process.stdout.write(`${printSchema(lexicographicSortSchema(batonSchema()))}\n`);
      return;
    }
    case "backup":
      return backup(argv.slice(1));
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
  if (typeof err?.code === "string" && err.code.startsWith("SQLITE")) return `database error: ${err.message}`;
  return err instanceof Error ? err.message : String(e);
}
