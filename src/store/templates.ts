/** Plan templates: immutable versions (1, 2, …) of named step lists, as registered (drafts). */
import type { Json } from "../domain/model.js";
import { tableCodec } from "./codec.js";
import { templates } from "./schema.js";
import { query, type Sql } from "./sql.js";

export interface TemplateRecord {
  id: string;
  name: string;
  version: number;
  description: string | null;
  /** The step drafts as registered (JSON; a DateTime runAt is an ISO string). */
  steps: Json[];
  /** The policy draft as registered. */
  policy: Json | null;
  /** Set for templates whose steps are built from the plan input at instantiation. */
  generator: string | null;
  createdAt: number;
}

/** What a version holds besides its identity: compared at start-up to register only what changed. */
export type TemplateDefinition = Omit<TemplateRecord, "id" | "version" | "createdAt">;

/** A template by name, one version of it or (version null) the latest. */
export interface TemplateRef {
  name: string;
  version: number | null;
}

const ROW = tableCodec(templates);
const fromRow = (raw: object): TemplateRecord => {
  const r = ROW.decode(raw);
  return { ...r, policy: r.policy ?? null };
};

const Q = {
  insert: query<[Record<string, unknown>], object>("templates.insert", `${ROW.insert()} RETURNING ${ROW.select}`),
  byId: query<[string], object>("templates.byId", `SELECT ${ROW.select} FROM templates WHERE id = ?`),
  latest: query<[string], object>("templates.latest", `SELECT ${ROW.select} FROM templates WHERE name = ? ORDER BY version DESC LIMIT 1`),
  version: query<[string, number], object>("templates.version", `SELECT ${ROW.select} FROM templates WHERE name = ? AND version = ?`),
  all: query<[], object>("templates.all", `SELECT ${ROW.select} FROM templates ORDER BY name ASC, version DESC`),
  named: query<[string], object>("templates.named", `SELECT ${ROW.select} FROM templates WHERE name = ? ORDER BY name ASC, version DESC`),
  // Versions are max()+1: writers of a name take its lock first (PostgreSQL; SQLite has one writer).
  lockName: query<[string], unknown>("templates.lockName", (d) =>
    d.name === "postgres" ? "SELECT pg_advisory_xact_lock(hashtext('baton:template:' || ?))" : "SELECT ?",
  ),
  latestVersion: query<[string], { v: number | null }>("templates.latestVersion", "SELECT max(version) AS v FROM templates WHERE name = ?"),
};

export class TemplateRepository {
  constructor(private readonly sql: Sql) {}

  async insert(r: TemplateRecord): Promise<TemplateRecord> {
    return fromRow((await this.sql.get(Q.insert, ROW.encode(r)))!);
  }

  /** One version of a template, or its latest version when `version` is null or omitted. */
  async get(name: string, version: number | null = null): Promise<TemplateRecord | null> {
    const row = version === null ? await this.sql.get(Q.latest, name) : await this.sql.get(Q.version, name, version);
    return row ? fromRow(row) : null;
  }

  async byId(id: string): Promise<TemplateRecord | null> {
    const row = await this.sql.get(Q.byId, id);
    return row ? fromRow(row) : null;
  }

  /** Every version (of one name, or of all), by name, newest version first within a name. */
  async list(name: string | null = null): Promise<TemplateRecord[]> {
    return (name === null ? await this.sql.all(Q.all) : await this.sql.all(Q.named, name)).map(fromRow);
  }

  /**
   * Until the transaction ends, no other transaction adds a version of the name: call before
   * reading the latest version to add the next (two gateways registering at once would otherwise
   * both take the same number, and one fail on the unique index).
   */
  async lockName(name: string): Promise<void> {
    await this.sql.get(Q.lockName, name);
  }

  /** The highest version of the name; 0 when it has none. */
  async latestVersion(name: string): Promise<number> {
    return (await this.sql.get(Q.latestVersion, name))?.v ?? 0;
  }
}
