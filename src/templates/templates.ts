/**
 * Plan templates: named step lists that plans are made from. A registration is checked exactly
 * as createPlan checks inline steps, then stored as a new immutable version (1, 2, …) of its
 * name. A plan names a template as "name" (its latest version) or "name@version".
 */
import type { Clock } from "../domain/clock.js";
import { badInput, notFound, type Problem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { checkLengths, MAX_TEXT, shown } from "../domain/limits.js";
import { newStep, type ExecutionPolicy, type Json, type StepModel } from "../domain/model.js";
import { jsonEqual } from "../engine/conditions.js";
import { checkPlanSteps, KEY_PATTERN, normalizePolicy, validatePlanSteps, type PolicyDraft, type StepDraft } from "../engine/validate.js";
import type { Repositories, Store } from "../store/store.js";
import type { TemplateDefinition, TemplateRecord, TemplateRef } from "../store/templates.js";
import { BUILTIN_TEMPLATE_NAMES, GENERATORS } from "./builtins.js";
import { stepOf, storedPolicy, storedStep, withoutNulls, type TemplateInput } from "./drafts.js";

/** What a plan is made from: its inline steps, or a template's. */
export interface PlanSource {
  steps: StepDraft[];
  policy: PolicyDraft | null;
  templateId: string | null;
  /** Where the steps came from, for problem paths: "steps", or "input.stages" for a generated pipeline. */
  stepsPath: string;
}

/** What a plan is asked to be made from: the fields of a createPlan request (src/coordinator/requests.ts) that name its steps. */
export interface PlanSourceRequest {
  steps?: StepDraft[] | null;
  /** "name" (the template's latest version) or "name@version". */
  template?: string | null;
  input?: Json;
  policy?: PolicyDraft | null;
}

/** A template reference: "name" (the latest version) or "name@version". */
export function parseTemplateRef(ref: string, path = "template"): TemplateRef {
  const m = /^([^@]+)(?:@(\d+))?$/.exec(ref);
  const version = m?.[2] === undefined ? null : Number(m[2]);
  if (!m || !KEY_PATTERN.test(m[1]!) || version === 0) {
    throw badInput([{ path, message: `${shown(ref)} does not name a template: "name" or "name@version" (versions are 1, 2, …)` }]);
  }
  return { name: m[1]!, version };
}

/**
 * A template checked as createPlan checks inline steps, in the form it is stored in. Built-in
 * names are reserved, except for the built-ins themselves.
 */
export function checkTemplate(input: TemplateInput, builtin = false): { definition: TemplateDefinition; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!KEY_PATTERN.test(input.name)) {
    problems.push({ path: "name", message: `${shown(input.name)} is not a valid name: 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit` });
  } else if (!builtin && BUILTIN_TEMPLATE_NAMES.has(input.name)) {
    problems.push({ path: "name", message: `"${input.name}" is a built-in template: choose another name` });
  }
  checkLengths(problems, [["description", input.description, MAX_TEXT]]);
  problems.push(...checkPlanSteps(input.steps, input.policy).problems);
  const definition = { name: input.name, description: input.description ?? null, steps: input.steps.map(storedStep), policy: storedPolicy(input.policy), generator: null };
  return { definition, problems };
}

/** What a template's plans start from: its steps as PENDING steps, and its policy, defaults applied. */
export function templateSpec(t: TemplateRecord): { steps: StepModel[]; policy: ExecutionPolicy } {
  const policy = t.policy as PolicyDraft | null;
  if (t.generator !== null) return { steps: [], policy: normalizePolicy(policy) }; // its steps come with each plan's input
  const v = validatePlanSteps(t.steps.map(stepOf), policy);
  return { steps: v.steps.map((s, i) => newStep(s, i)), policy: v.policy };
}

/** Problems with a source's steps at the path they were given at ("steps[2].role" → "input.stages[2].role"). */
export const atStepsPath = (problems: Problem[], stepsPath: string): Problem[] =>
  problems.map((p) => ({ ...p, path: p.path.replace(/^steps(?=\[|\.|$)/, stepsPath) }));

const sameDefinition = (a: TemplateDefinition, b: TemplateDefinition): boolean =>
  a.description === b.description && a.generator === b.generator && jsonEqual(a.steps, b.steps) && jsonEqual(a.policy, b.policy);

export class Templates {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Registers a new version of a template; every problem is reported at once (BAD_USER_INPUT). */
  async register(input: TemplateInput): Promise<TemplateRecord> {
    const { definition, problems } = checkTemplate(input);
    if (problems.length > 0) throw badInput(problems);
    return this.store.transact((s) => this.add(s, definition));
  }

  /** Registers each definition unless its latest version holds it already: a restart adds no version. */
  async ensure(definitions: readonly TemplateDefinition[]): Promise<void> {
    await this.store.transact(async (s) => {
      for (const d of definitions) {
        await s.templates.lockName(d.name);
        const latest = await s.templates.get(d.name);
        if (!latest || !sameDefinition(latest, d)) await this.add(s, d);
      }
    });
  }

  /**
   * The steps, policy and template a new plan is made from: the request's steps, or a template's.
   * A template step with no input receives the plan's input; the request's policy fields win over
   * the template's. An unknown template or version is NOT_FOUND. The template is read through
   * `repos`: the read port by default; inside a transaction, its session.
   */
  async source(req: PlanSourceRequest, repos: Repositories = this.store.queries): Promise<PlanSource> {
    const inline = req.steps?.length ? req.steps : null;
    if (!req.template) {
      if (!inline) throw badInput([{ path: "steps", message: "a plan needs at least one step: give steps or name a template" }]);
      return { steps: inline, policy: req.policy ?? null, templateId: null, stepsPath: "steps" };
    }
    if (inline) throw badInput([{ path: "template", message: "give either steps or a template, not both" }]);
    const ref = parseTemplateRef(req.template);
    const t = await repos.templates.get(ref.name, ref.version);
    if (!t) throw notFound("template", req.template);
    const input = req.input ?? null;
    const drafts = t.generator === null ? t.steps.map(stepOf) : GENERATORS[t.generator]!(input);
    return {
      steps: drafts.map((d) => (d.input == null ? { ...d, input } : d)),
      policy: { ...(t.policy as PolicyDraft | null), ...withoutNulls(req.policy ?? {}) },
      templateId: t.id,
      stepsPath: t.generator === null ? "steps" : "input.stages",
    };
  }

  private async add(s: Repositories, d: TemplateDefinition): Promise<TemplateRecord> {
    await s.templates.lockName(d.name);
    const version = (await s.templates.latestVersion(d.name)) + 1;
    return s.templates.insert({ ...d, id: newId("template"), version, createdAt: this.clock.now() });
  }
}
