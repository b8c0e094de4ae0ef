/**
 * Notices between gateways on PostgreSQL (./notices.ts): LISTEN on a connection of its own, kept
 * open (re-established with backoff when it drops, then `resumed`), and NOTIFY on the channel
 * of the schema from inside the committing transaction.
 */
import pg from "pg";
import type { Notice, NoticeFeed } from "./notices.js";

/** The channel of a schema's gateways. */
export const channelOf = (schema: string): string => `baton:${schema}`;

const BACKOFF_MS = [100, 250, 500, 1_000, 2_000, 5_000];

export class PostgresNotices implements NoticeFeed {
  constructor(
    private readonly connect: () => pg.ClientConfig,
    private readonly channel: string,
  ) {}

  async listen(heard: (n: Notice) => void, resumed: () => void): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.Client | null = null;
    let retry: NodeJS.Timeout | null = null;
    let failures = 0;
    const open = async (): Promise<void> => {
      const c = new pg.Client({ ...this.connect(), application_name: `baton-listen ${this.channel}` });
      c.on("notification", (m) => {
        if (m.channel !== this.channel || !m.payload) return;
        try {
          heard(JSON.parse(m.payload) as Notice);
        } catch {
          // not a notice of ours: ignored
        }
      });
      c.on("error", () => undefined); // the 'end' that follows re-opens
      c.on("end", () => {
        if (client !== c || stopped) return;
        client = null;
        again();
      });
      try {
        await c.connect();
        await c.query(`LISTEN "${this.channel.replaceAll('"', '""')}"`);
      } catch (e) {
        await c.end().catch(() => undefined);
        throw e;
      }
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
    };
    const again = (): void => {
      const ms = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!;
      retry = setTimeout(() => {
        retry = null;
        open().then(
          () => {
            failures = 0;
            if (!stopped) resumed();
          },
          () => {
            failures++;
            if (!stopped) again();
          },
        );
      }, ms);
      retry.unref();
    };
    await open();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    };
  }
}
