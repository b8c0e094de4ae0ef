/**
 * Notices between gateways on one database: after a transaction commits, the others hear that
 * the signal log moved and which roles got claimable work, so that their subscribers and parked
 * claimers need not wait for a poll. On PostgreSQL a notice is a NOTIFY sent in the transaction
 * (delivered at its commit, never for a rollback); SQLite has one process and none.
 */

/** What one committed transaction tells the other gateways. Small: NOTIFY payloads are limited. */
export interface Notice {
  /** The gateway that committed (a gateway ignores its own notices). */
  gateway: string;
  /** The log's last sequence after the commit, when it appended signals. */
  head: number | null;
  /** Roles with claimable work now; "*" for every role. */
  roles: readonly string[] | "*";
}

/** The notices other gateways send. */
export interface NoticeFeed {
  /**
   * Calls `heard` with each notice (its own included) until the returned function is called.
   * After the feed was interrupted (a dropped connection, re-established by itself), `resumed`
   * says that notices may have been missed meanwhile: the listener catches up from the database.
   */
  listen(heard: (n: Notice) => void, resumed: () => void): Promise<() => Promise<void>>;
}

/** Roles named in one notice at most; more become "*" (PostgreSQL allows 8,000 bytes a payload). */
const MAX_ROLES = 32;

/** The notice of a commit: its roles, or all of them when they are many or long. */
export function noticeOf(gateway: string, head: number | null, roles: Iterable<string>): Notice {
  const list = [...roles];
  const all = list.length > MAX_ROLES || list.some((r) => r.length > 100);
  return { gateway, head, roles: all ? "*" : list };
}
