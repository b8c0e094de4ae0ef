/**
 * Start-up: the built-in templates and those of the templates folder (BATON_TEMPLATES_DIR) are
 * registered, each only when it differs from the latest version of its name, so a restart adds
 * no version. Every file is checked before anything is written: one unreadable or invalid file
 * fails the start, with its name and every problem.
 */
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Problem } from "../domain/errors.js";
import type { TemplateDefinition } from "../store/templates.js";
import { BUILD_WEBSITE, LINEAR_PIPELINE } from "./builtins.js";
import { templateInputOf } from "./drafts.js";
import { checkTemplate, type Templates } from "./templates.js";

const EXTENSIONS = new Set([".json", ".yaml", ".yml"]);

const describe = (problems: readonly Problem[]): string => problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");

/** The file's content: JSON, or YAML (one document); a parse error is one problem. */
function parseFile(file: string): { value: unknown; problems: Problem[] } {
  try {
    const text = readFileSync(file, "utf8");
    return { value: extname(file) === ".json" ? JSON.parse(text) : parseYaml(text), problems: [] };
  } catch (e) {
    // YAML errors end with a code frame after the first line; one line is enough here.
    return { value: null, problems: [{ path: "", message: (e as Error).message.split("\n")[0]!.replace(/:$/, "") }] };
  }
}

/** A template file as it would be stored, or its problems (shape first, then as registerTemplate checks it). */
function readTemplateFile(file: string): { definition: TemplateDefinition | null; problems: Problem[] } {
  const parsed = parseFile(file);
  if (parsed.problems.length > 0) return { definition: null, problems: parsed.problems };
  const shaped = templateInputOf(parsed.value);
  if (shaped.problems.length > 0) return { definition: null, problems: shaped.problems };
  const checked = checkTemplate(shaped.input);
  return checked.problems.length > 0 ? { definition: null, problems: checked.problems } : checked;
}

function folderDefinitions(dir: string): TemplateDefinition[] {
  let files: string[];
  try {
    files = readdirSync(dir, { withFileTypes: true })
      .filter((f) => f.isFile() && EXTENSIONS.has(extname(f.name)))
      .map((f) => f.name)
      .sort();
  } catch (e) {
    throw new Error(`cannot read the templates folder ${dir}: ${(e as Error).message}`);
  }
  const definitions: TemplateDefinition[] = [];
  const fileOf = new Map<string, string>();
  const failures: string[] = [];
  for (const file of files) {
    const { definition, problems } = readTemplateFile(join(dir, file));
    const twin = definition && fileOf.get(definition.name);
    if (twin) problems.push({ path: "name", message: `"${definition.name}" is also defined in ${twin}` });
    if (problems.length > 0) {
      failures.push(`${file}: ${describe(problems)}`);
    } else if (definition) {
      definitions.push(definition);
      fileOf.set(definition.name, file);
    }
  }
  if (failures.length > 0) throw new Error(`invalid template file${failures.length > 1 ? "s" : ""} in ${dir}: ${failures.join(" | ")}`);
  return definitions;
}

/** Registers the built-in templates and those of `dir` (if any) that changed since their latest version. */
export async function installTemplates(templates: Templates, dir: string | null): Promise<void> {
  const builtin = checkTemplate(BUILD_WEBSITE, true);
  if (builtin.problems.length > 0) throw new Error(`built-in template ${BUILD_WEBSITE.name} is invalid: ${describe(builtin.problems)}`);
  await templates.ensure([builtin.definition, LINEAR_PIPELINE, ...(dir === null ? [] : folderDefinitions(dir))]);
}
