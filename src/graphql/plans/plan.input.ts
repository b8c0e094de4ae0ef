import { Field, Float, InputType, Int } from "type-graphql";
import type { Json } from "../../domain/model.js";
import { Complexity, Priority } from "../../domain/statuses.js";
import { JSONScalar } from "../scalars.js";

@InputType({ description: "Retry policy of a step; omitted fields take the defaults (3 attempts, 1 s, ×2, at most 60 s)." })
export class RetryPolicyInput {
  @Field(() => Int, { nullable: true, description: "Most attempts in all, the first included (≥ 1)." })
  maxAttempts?: number | null;

  @Field(() => Int, { nullable: true, description: "Delay before the second attempt." })
  initialIntervalMs?: number | null;

  @Field(() => Float, { nullable: true, description: "Each further delay is the previous one times this (1..100)." })
  backoffCoefficient?: number | null;

  @Field(() => Int, { nullable: true, description: "Upper bound of any delay." })
  maxIntervalMs?: number | null;

  @Field(() => [String], { nullable: true, description: "Error types that are never retried." })
  nonRetryableErrorTypes?: string[] | null;

  @Field(() => Float, { nullable: true, description: "0..1 (default 0): shorten each delay by up to this fraction, deterministically per plan, step and attempt." })
  jitter?: number | null;
}

@InputType({ description: "Execution policy of a plan; omitted fields take defaults." })
export class PolicyInput {
  @Field(() => Complexity, {
    nullable: true,
    description:
      "Execution profile; sets the default maxParallel. Omitted: derived from the plan's shape (a chain of at most 3 steps SIMPLE; over 20 steps, 5 side by side or 8 waves COMPLEX; else MEDIUM). CRISIS is only ever set explicitly.",
  })
  complexity?: Complexity | null;

  @Field(() => Int, { nullable: true, description: "Most steps RUNNING at once." })
  maxParallel?: number | null;

  @Field(() => Int, { nullable: true, description: "Default step attempt timeout (default 300000; 60000 for CRISIS plans)." })
  stepTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: "Whole-plan deadline; omitted = none." })
  planTimeoutMs?: number | null;

  @Field(() => Int, { nullable: true, description: "Lease lifetime without a heartbeat (default 30000, at least 100)." })
  heartbeatTimeoutMs?: number | null;

  @Field(() => RetryPolicyInput, { nullable: true, description: "Default retry policy of the plan's steps; a step's own retry fields override it one by one." })
  retry?: RetryPolicyInput | null;
}

@InputType({ description: "One step of a new plan." })
export class StepInput {
  @Field({ description: "Unique within the plan: 1-100 letters, digits, '_', '.', '-'." })
  key!: string;

  @Field(() => String, { nullable: true, description: "Display name." })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "What the step is for." })
  description?: string | null;

  @Field({ description: "Which agents may run it (builtin.echo, builtin.wait, builtin.http, builtin.signal, builtin.merge and builtin.prefetch run inside the gateway)." })
  role!: string;

  @Field(() => [String], { nullable: true, description: "Keys of steps that must succeed first." })
  dependsOn?: string[] | null;

  @Field(() => JSONScalar, { nullable: true, description: "Input handed to the agent." })
  input?: Json;

  @Field(() => Priority, { nullable: true, description: "Claim priority (default: the plan's)." })
  priority?: Priority | null;

  @Field(() => Int, { nullable: true, description: "Attempt timeout (default: the policy's stepTimeoutMs)." })
  timeoutMs?: number | null;

  @Field(() => RetryPolicyInput, { nullable: true, description: "How failed attempts are retried." })
  retry?: RetryPolicyInput | null;

  @Field(() => JSONScalar, { nullable: true, description: "Settings for built-in roles (http url, wait duration, ...)." })
  config?: Json;

  @Field(() => Date, { nullable: true, description: "Not READY before this time, even with its dependencies done (WAITING until then; frozen while paused)." })
  runAt?: Date | null;

  @Field(() => Int, { nullable: true, description: "Not READY until this many ms after its dependencies are done (or the plan started)." })
  delayMs?: number | null;

  @Field(() => Float, { nullable: true, description: "0..1: a completion reporting a lower quality (or none) fails the attempt as QUALITY_GATE, retried under the retry policy." })
  qualityThreshold?: number | null;

  @Field(() => Int, { nullable: true, description: "Fail the step (SCHEDULE_TO_START_TIMEOUT) when it stays READY, unclaimed, this long; onFailure routes it." })
  scheduleToStartMs?: number | null;

  @Field(() => String, { nullable: true, description: "Step to make READY (a new visit) when this one succeeds. A step with no dependencies that some transition names runs only when one fires." })
  onSuccess?: string | null;

  @Field(() => String, { nullable: true, description: "Step to make READY when this one fails for good (retries spent); the failure is handled and the plan goes on." })
  onFailure?: string | null;

  @Field(() => String, { nullable: true, description: "Step that undoes this one: run (in reverse completion order) if the plan fails or is cancelled with compensate after this step succeeded." })
  compensate?: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      "Conditional routes, checked in order when the step succeeds; the first match wins: [{ if: { path, op, value }, then: { goto: key } | { retry: true } | { skip: key or [keys] } | { fail: true or message } | { complete: true } }]. path starts with output, input (the plan's) or context; op is eq ne gt gte lt lte in exists matches.",
  })
  when?: Json;

  @Field(() => Int, { nullable: true, description: "Most visits (runs started anew by dependencies or transitions); a loop must pass through a step with one." })
  maxVisits?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Skip this step when a dependency is SKIPPED (default false: SKIPPED counts as satisfied)." })
  skipIfDependencySkipped?: boolean | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      "Builds the agent's input at each claim: a JSON template whose strings starting with $ are JSONPath queries (RFC 9535) over { input (the plan's), context, steps: { <key>: { output } }, step: { key, input } }; merged over the step's own input when both are objects.",
  })
  inputMapping?: Json;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "Writes parts of the output to the context when the step succeeds: { contextKey: JSONPath query over { output, input } or a literal }.",
  })
  outputMapping?: Json;
}

@InputType({ description: "A value fetched into a new plan's context before its first wave, by a builtin.prefetch step (key prefetch.<key>) that every start step waits for." })
export class PrefetchInput {
  @Field({ description: "The context key the value is written to: 1-91 letters, digits, '_', '.', '-', not starting with \"steps.\"; unique within the plan." })
  key!: string;

  @Field({ description: "GET from here (http or https); the JSON body is the value (a body that is not JSON: its text)." })
  url!: string;

  @Field(() => String, { nullable: true, description: "Fetches with the same cache key (of any step or plan) share one request and its value while it is fresh (default: the url)." })
  cacheKey?: string | null;

  @Field(() => Int, { nullable: true, description: "How long a fetched value stays fresh in the cache, ms (default 60000; 0: neither cached nor shared)." })
  ttlMs?: number | null;

  @Field(() => Int, { nullable: true, description: "The longest wait for the reply, ms, ≥ 1 (default: the step's timeout); then the fetch fails as PREFETCH_TIMEOUT." })
  timeoutMs?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "True: a failure fails the step (PREFETCH_FAILED or PREFETCH_TIMEOUT, retried per the plan's retry policy except for 4xx replies), then the plan. False (default): the key is set to null and the step succeeds with a warning.",
  })
  required?: boolean | null;
}

@InputType({ description: "A new plan." })
export class CreatePlanInput {
  @Field({ description: "Display name." })
  name!: string;

  @Field(() => String, { nullable: true, description: "What the plan should achieve." })
  goal?: string | null;

  @Field(() => [StepInput], { nullable: true, description: "Inline steps, or leave empty and name a template." })
  steps?: StepInput[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Instead of steps: the template to make the plan from, "name" (its latest version) or "name@version". Its steps with no input receive the plan\'s input; the plan\'s policy fields win over the template\'s.',
  })
  template?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: "The plan's input." })
  input?: Json;

  @Field(() => PolicyInput, { nullable: true, description: "Execution policy." })
  policy?: PolicyInput | null;

  @Field(() => Priority, { nullable: true, description: "Default priority of its steps (default NORMAL)." })
  priority?: Priority | null;

  @Field(() => [String], { nullable: true, description: "Free labels for filtering." })
  labels?: string[] | null;

  @Field(() => [PrefetchInput], { nullable: true, description: "Values fetched into the plan's context before its first wave (with steps or a template)." })
  prefetch?: PrefetchInput[] | null;

  @Field(() => Boolean, { nullable: true, description: "Start at once (default true); false leaves the plan IDLE until startPlan." })
  start?: boolean | null;

  @Field(() => Date, { nullable: true, description: "Start no earlier than this: the plan stays IDLE until then (a durable timer; startPlan may start it sooner)." })
  runAt?: Date | null;

  @Field(() => Int, { nullable: true, description: "Start this many ms after creation instead of at once." })
  delayMs?: number | null;

  @Field(() => String, { nullable: true, description: "A second createPlan with the same key and the same request returns the first plan instead of a new one; with a different request it is a CONFLICT." })
  idempotencyKey?: string | null;
}
