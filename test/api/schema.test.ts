import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  lexicographicSortSchema,
  parse,
  printSchema,
  type DocumentNode,
  type TypeNode,
} from "graphql";
import { getMetadataStorage } from "type-graphql";
import { describe, expect, it } from "vitest";
import { batonSchema } from "../../src/graphql/schema.js";
import { packageRoot } from "../../src/store/database.js";

const root = packageRoot();
/** The API as first designed (a copy kept with the tests): the schema must still have all of it. */
const CONTRACT = join(root, "test", "fixtures", "contract.outline.graphql");
/** Parts of the contract this version delivers; the others arrive with later features. */
const DELIVERED = new Set(["core", "control", "routing", "context", "security", "insight"]);

const typeString = (t: TypeNode): string =>
  t.kind === "NonNullType" ? `${typeString(t.type)}!` : t.kind === "ListType" ? `[${typeString(t.type)}]` : t.name.value;

/**
 * The contract outline, annotated: each definition belongs to the area of its section
 * ("# ---- [area] ..."), and a field or argument line ending in "# [area]" overrides it.
 */
function contractItems(text: string): { doc: DocumentNode; areaOfLine: (line: number) => string } {
  const lines = text.split("\n");
  const section: string[] = [];
  const own: (string | null)[] = [];
  let current = "core";
  let group: string | null = null; // "  # [area] ..." lines group the root fields below them
  for (const line of lines) {
    const header = /^# -+ \[(\w+)\]/.exec(line);
    if (header) current = header[1]!;
    if (/^# -+ root types/.test(line)) current = "root";
    if (/^type /.test(line)) group = null;
    const groupLine = /^\s+#\s*\[(\w+)\]/.exec(line);
    if (groupLine) group = groupLine[1]!;
    section.push(group ?? current);
    own.push(/#\s*\[(\w+)\]/.exec(line.replace(/^#.*$/, ""))?.[1] ?? null);
  }
  const doc = parse(text, { noLocation: false });
  return { doc, areaOfLine: (l) => own[l - 1] ?? (section[l - 1] === "root" ? "core" : section[l - 1]!) };
}

describe("schema", () => {
  it("the committed SDL is what the code emits", () => {
    const committed = readFileSync(join(root, "schema", "schema.graphql"), "utf8");
    expect(committed).toBe(`${printSchema(lexicographicSortSchema(batonSchema()))}\n`);
  });

  it("has every [core], [control], [routing] and [context] type, field, argument and enum value of the contract, with the same nullability", () => {
    const text = readFileSync(CONTRACT, "utf8");
    const { doc, areaOfLine } = contractItems(text);
    const schema = batonSchema();
    const missing: string[] = [];
    let checked = 0;
    for (const def of doc.definitions) {
      if (!("name" in def) || !def.name || !def.loc) continue;
      const name = def.name.value;
      const lineOf = (loc: { startToken: { line: number } } | undefined) => loc?.startToken.line ?? def.loc!.startToken.line;
      if (!DELIVERED.has(areaOfLine(lineOf(def.loc)))) continue;
      const ours = schema.getType(name);
      if (!ours) {
        missing.push(`type ${name}`);
        continue;
      }
      if (def.kind === "EnumTypeDefinition" && isEnumType(ours)) {
        for (const v of def.values ?? []) if (!ours.getValue(v.name.value)) missing.push(`${name}.${v.name.value}`);
      }
      if (
        (def.kind === "ObjectTypeDefinition" || def.kind === "InputObjectTypeDefinition" || def.kind === "InterfaceTypeDefinition") &&
        (isObjectType(ours) || isInputObjectType(ours) || isInterfaceType(ours))
      ) {
        const fields = ours.getFields() as Record<string, { type: unknown; args?: readonly { name: string; type: unknown }[] }>;
        for (const f of def.fields ?? []) {
          if (!DELIVERED.has(areaOfLine(lineOf(f.loc)))) continue;
          checked++;
          const field = fields[f.name.value];
          if (!field) {
            missing.push(`${name}.${f.name.value}`);
            continue;
          }
          if (String(field.type) !== typeString(f.type)) missing.push(`${name}.${f.name.value}: ${String(field.type)} ≠ ${typeString(f.type)}`);
          if ("arguments" in f) {
            for (const a of f.arguments ?? []) {
              const arg = field.args?.find((x) => x.name === a.name.value);
              if (!arg) missing.push(`${name}.${f.name.value}(${a.name.value})`);
              else if (String(arg.type) !== typeString(a.type)) missing.push(`${name}.${f.name.value}(${a.name.value}): ${String(arg.type)} ≠ ${typeString(a.type)}`);
            }
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it("describes every type, field and argument", () => {
    const undocumented: string[] = [];
    for (const t of Object.values(batonSchema().getTypeMap())) {
      if (t.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(t.name)) continue;
      if (!t.description) undocumented.push(t.name);
      if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) {
        for (const f of Object.values(t.getFields())) {
          if (!f.description) undocumented.push(`${t.name}.${f.name}`);
          for (const a of "args" in f ? f.args : []) if (!a.description) undocumented.push(`${t.name}.${f.name}(${a.name})`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  /**
   * Every description of the emitted schema (types, fields, arguments, enum values, input
   * fields) as [where, text]; `undefined` text where there is none.
   */
  function descriptions(): [string, string | null | undefined][] {
    const out: [string, string | null | undefined][] = [];
    for (const t of Object.values(batonSchema().getTypeMap())) {
      if (t.name.startsWith("__")) continue;
      if (!["String", "Int", "Float", "Boolean", "ID"].includes(t.name)) out.push([t.name, t.description]);
      if (isEnumType(t)) for (const v of t.getValues()) out.push([`${t.name}.${v.name}`, v.description]);
      if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) {
        for (const f of Object.values(t.getFields())) {
          out.push([`${t.name}.${f.name}`, f.description]);
          for (const a of "args" in f ? f.args : []) out.push([`${t.name}.${f.name}(${a.name})`, a.description]);
        }
      }
    }
    return out;
  }

  it("describes every enum value", () => {
    const enumValues = descriptions().filter(([where]) => {
      const type = batonSchema().getType(where.split(".")[0]!);
      return isEnumType(type) && where.includes(".");
    });
    expect(enumValues.length).toBeGreaterThan(90);
    expect(enumValues.filter(([, d]) => !d).map(([where]) => where)).toEqual([]);
  });

  it("starts every description with a capital letter, or a digit or backtick where it opens with a number or quoted code", () => {
    const all = descriptions().filter((e): e is [string, string] => !!e[1]);
    expect(all.length).toBeGreaterThan(700);
    const offenders = all.filter(([, d]) => !/^[A-Z0-9`]/.test(d)).map(([where, d]) => `${where}: ${d.slice(0, 40)}`);
    expect(offenders).toEqual([]);
  });

  it("names the roles every root field needs (fields without @Authorized would be open to anyone)", () => {
    const schema = batonSchema();
    const storage = getMetadataStorage();
    const resolvers = [...storage.queries, ...storage.mutations, ...storage.subscriptions];
    const open: string[] = [];
    for (const type of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      for (const name of Object.keys(type.getFields())) {
        const r = resolvers.find((q) => q.schemaName === name && (type.name === "Query" ? storage.queries : type.name === "Mutation" ? storage.mutations : storage.subscriptions).includes(q));
        const roles = r && storage.authorizedFields.find((a) => a.target === r.target && a.fieldName === r.methodName)?.roles;
        if (!roles?.length) open.push(`${type.name}.${name}`);
      }
    }
    expect(open).toEqual([]);
  });
});
