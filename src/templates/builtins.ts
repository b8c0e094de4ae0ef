/**
 * The built-in templates, registered at start-up: `build-website` (a product manager, a coder
 * and a reviewer who may send the work back) and `linear-pipeline` (a chain of stages named by
 * the plan's input). Their names are reserved.
 */
import { badInput, type Problem } from "../domain/errors.js";
import type { Json } from "../domain/model.js";
import type { StepDraft } from "../engine/validate.js";
import type { TemplateDefinition } from "../store/templates.js";
import { isObject, STAGE_SHAPE, stageOf, type TemplateInput } from "./drafts.js";

export const BUILD_WEBSITE: TemplateInput = {
  name: "build-website",
  description:
    "A website from a brief: a product manager writes the specification, a coder implements the pages, a reviewer reviews the code. " +
    "The reviewer rejects either by completing with { approved: false } or by failing with error type REJECTED (never retried). " +
    "Each rejection sends the work back to the coder, which sees it in its step trigger, at most 3 times (code.maxVisits 4): the next rejection fails the plan. " +
    "Every step receives the plan's input.",
  steps: [
    { key: "spec", name: "Write the specification", role: "product-manager" },
    { key: "code", name: "Implement the pages", role: "coder", dependsOn: ["spec"], maxVisits: 4 },
    {
      key: "review",
      name: "Review the code",
      role: "reviewer",
      dependsOn: ["code"],
      onFailure: "code",
      retry: { nonRetryableErrorTypes: ["REJECTED"] },
      when: [{ if: { path: "output.approved", op: "eq", value: false }, then: { fail: "the reviewer asked for changes" } }],
    },
  ],
  policy: { complexity: "SIMPLE" },
};

const LINEAR_PIPELINE_GENERATOR = "linear-pipeline";

export const LINEAR_PIPELINE: TemplateDefinition = {
  name: "linear-pipeline",
  description:
    `A chain of stages, each depending on the one before, built from the plan's input.stages: a non-empty list whose items are a role or ${STAGE_SHAPE}. ` +
    "Keys default to stage-1, stage-2, …; a stage without input receives the plan's input.",
  steps: [],
  policy: null,
  generator: LINEAR_PIPELINE_GENERATOR,
};

export const BUILTIN_TEMPLATE_NAMES: ReadonlySet<string> = new Set([BUILD_WEBSITE.name, LINEAR_PIPELINE.name]);

/** The steps of a linear pipeline: one per item of input.stages, each depending on the previous one. */
function linearPipeline(input: Json | null): StepDraft[] {
  const stages = isObject(input) ? input["stages"] : undefined;
  if (!Array.isArray(stages) || stages.length === 0) {
    throw badInput([{ path: "input.stages", message: `linear-pipeline needs input.stages: a non-empty list of roles or ${STAGE_SHAPE}` }]);
  }
  const problems: Problem[] = [];
  const steps: StepDraft[] = [];
  stages.forEach((raw, i) => {
    const stage = stageOf(raw, `input.stages[${i}]`, problems);
    const previous = steps[i - 1];
    steps.push({ ...stage, key: stage.key ?? `stage-${i + 1}`, dependsOn: previous ? [previous.key] : [] });
  });
  if (problems.length > 0) throw badInput(problems);
  return steps;
}

/** Templates whose steps are made from the plan's input, by generator name. */
export const GENERATORS: Readonly<Record<string, (input: Json | null) => StepDraft[]>> = {
  [LINEAR_PIPELINE_GENERATOR]: linearPipeline,
};
