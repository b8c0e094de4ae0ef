/**
 * The baton command line: `baton serve` (default), `baton migrate`, `baton schema`.
 */
import "reflect-metadata";
import { lexicographicSortSchema, printSchema } from "graphql";
import { ConfigError, loadConfig } from "../config.js";
import { batonSchema } from "../graphql/schema.js";
import { createLogger } from "../logger.js";
import { createApp } from "../server/app.js";
import { openDatabase } from "../store/database.js";

const USAGE = `usage: baton <command>
  serve     run the gateway (default)
  migrate   create or migrate the database named by BATON_DB, then exit
  schema    print the GraphQL schema (SDL)`;

async function serve(): Promise<void> {
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
    case "schema":
      process.stdout.write(`${printSchema(lexicographicSortSchema(batonSchema()))}\n`);
      return;
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof ConfigError ? e.message : startFailure(e);
  process.stderr.write(`baton: ${message}\n`);
  process.exit(1);
});

/** One clear line for the usual reasons a start fails. */
function startFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EADDRINUSE") return `port already in use (${err.message})`;
  if (err?.code === "EACCES") return `permission denied (${err.message})`;
  if (typeof err?.code === "string" && err.code.startsWith("SQLITE")) return `database error: ${err.message}`;
  return err instanceof Error ? err.message : String(e);
}
