/** Plan templates: immutable versions (1, 2, …) of named step lists, as registered (drafts). */
import { and, asc, desc, eq, max, sql } from "drizzle-orm";
import type { Json } from "../domain/model.js";
import type { Db } from "./database.js";
import { templates } from "./schema.js";

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

type Row = typeof templates.$inferSelect;
const fromRow = (r: Row): TemplateRecord => ({ ...r, policy: r.policy ?? null });

export class TemplateRepository {
  private readonly query;

  constructor(private readonly db: Db) {
    this.query = {
      byId: db.select().from(templates).where(eq(templates.id, sql.placeholder("id"))).prepare(),
      latest: db
        .select()
        .from(templates)
        .where(eq(templates.name, sql.placeholder("name")))
        .orderBy(desc(templates.version))
        .limit(1)
        .prepare(),
      version: db
        .select()
        .from(templates)
        .where(and(eq(templates.name, sql.placeholder("name")), eq(templates.version, sql.placeholder("version"))))
        .prepare(),
    };
  }

  insert(r: TemplateRecord): TemplateRecord {
    return fromRow(this.db.insert(templates).values(r).returning().get());
  }

  /** One version of a template, or its latest version when `version` is null or omitted. */
  get(name: string, version: number | null = null): TemplateRecord | null {
    const row = version === null ? this.query.latest.get({ name }) : this.query.version.get({ name, version });
    return row ? fromRow(row) : null;
  }

  byId(id: string): TemplateRecord | null {
    const row = this.query.byId.get({ id });
    return row ? fromRow(row) : null;
  }

  /** Every version (of one name, or of all), by name, newest version first within a name. */
  list(name: string | null = null): TemplateRecord[] {
    return this.db
      .select()
      .from(templates)
      .where(name === null ? undefined : eq(templates.name, name))
      .orderBy(asc(templates.name), desc(templates.version))
      .all()
      .map(fromRow);
  }

  /** The highest version of the name; 0 when it has none. */
  latestVersion(name: string): number {
    return this.db.select({ v: max(templates.version) }).from(templates).where(eq(templates.name, name)).get()?.v ?? 0;
  }
}
