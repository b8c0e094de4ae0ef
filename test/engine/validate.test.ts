import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, DEFAULT_RETRY } from "../../src/domain/model.js";
import { PARALLEL_BY_COMPLEXITY, graphProblems, normalizePolicy, validatePlanSteps, type StepDraft } from "../../src/engine/validate.js";

const paths = (problems: { path: string }[]): string[] => problems.map((p) => p.path);

describe("validatePlanSteps: every problem at once", () => {
  it("reports an empty plan", () => {
    for (const drafts of [[], null, undefined]) {
      const v = validatePlanSteps(drafts, null);
      expect(v.problems).toEqual([{ path: "steps", message: "a plan needs at least one step" }]);
    }
  });

  it("reports all of: duplicate key, unknown and self dependency, cycle, bad key, negative timeout, maxAttempts 0, backoffCoefficient < 1", () => {
    const drafts: StepDraft[] = [
      { key: "a", role: "r", dependsOn: ["c"] },
      { key: "b", role: "r", dependsOn: ["a"] },
      { key: "c", role: "r", dependsOn: ["b"] },
      { key: "dup", role: "r" },
      { key: "d", role: "r", dependsOn: ["ghost", "d"] }, // unknown + self
      { key: "bad key!", role: "r" },
      { key: "e", role: "r", timeoutMs: -5 },
      { key: "f", role: "r", retry: { maxAttempts: 0 } },
      { key: "g", role: "r", retry: { backoffCoefficient: 0.5 } },
      { key: "h", role: "  " },
      { key: "dup", role: "r" }, // duplicate
    ];
    const { problems } = validatePlanSteps(drafts, { maxParallel: 0 });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "policy.maxParallel", message: expect.stringContaining("from 1") },
        { path: "steps[10].key", message: 'duplicate key "dup"' },
        { path: "steps[4].dependsOn", message: 'unknown step "ghost"' },
        { path: "steps[4].dependsOn", message: '"d" depends on itself' },
        { path: "steps", message: "dependency cycle: a -> b -> c -> a" },
        { path: "steps[5].key", message: expect.stringContaining('"bad key!" is not a valid key') },
        { path: "steps[6].timeoutMs", message: expect.stringContaining("got -5") },
        { path: "steps[7].retry.maxAttempts", message: expect.stringContaining("got 0") },
        { path: "steps[8].retry.backoffCoefficient", message: "must be from 1 to 100, got 0.5" },
        { path: "steps[9].role", message: "must not be empty" },
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it("checks each step on its own before the graph, in step order", () => {
    const { problems } = validatePlanSteps(
      [
        { key: "x", role: "r", dependsOn: ["nope"], timeoutMs: 0 },
        { key: "-y", role: "r", retry: { maxIntervalMs: 10, initialIntervalMs: 20 } },
      ],
      null,
    );
    expect(paths(problems)).toEqual(["steps[0].timeoutMs", "steps[1].key", "steps[1].retry.maxIntervalMs", "steps[0].dependsOn"]);
  });

  it("rejects non-integer and out-of-range numbers", () => {
    const { problems } = validatePlanSteps(
      [{ key: "a", role: "r", timeoutMs: 1.5, retry: { initialIntervalMs: -1, maxIntervalMs: 2 ** 31, backoffCoefficient: 101 } }],
      { stepTimeoutMs: 0, heartbeatTimeoutMs: 99, planTimeoutMs: 0 },
    );
    expect(paths(problems).sort()).toEqual(
      [
        "policy.heartbeatTimeoutMs",
        "policy.planTimeoutMs",
        "policy.stepTimeoutMs",
        "steps[0].retry.backoffCoefficient",
        "steps[0].retry.initialIntervalMs",
        "steps[0].retry.maxIntervalMs",
        "steps[0].timeoutMs",
      ].sort(),
    );
  });

  it("accepts keys of letters, digits, '_', '.', '-' up to 100 characters, starting with a letter or digit", () => {
    const ok = ["a", "A1", "9lives", "a.b-c_d", "x".repeat(100)];
    expect(validatePlanSteps(ok.map((key) => ({ key, role: "r" })), null).problems).toEqual([]);
    for (const key of ["", "_a", ".a", "a b", "é", "x".repeat(101), "a/b"]) {
      expect(paths(validatePlanSteps([{ key, role: "r" }], null).problems)).toEqual(["steps[0].key"]);
    }
  });

  it("returns no problems for a valid plan", () => {
    const v = validatePlanSteps(
      [
        { key: "a", role: "r" },
        { key: "b", role: "r", dependsOn: ["a", "a"] },
      ],
      null,
    );
    expect(v.problems).toEqual([]);
    expect(v.steps[1]!.dependsOn).toEqual(["a"]); // duplicates folded
  });
});

describe("defaults", () => {
  it("applies the default policy and retry when none is given", () => {
    const v = validatePlanSteps([{ key: "a", role: "r" }], null);
    expect(v.policy).toEqual({ ...DEFAULT_POLICY, complexity: "SIMPLE", maxParallel: 1 }); // a one-step chain
    expect(v.steps[0]).toEqual({
      key: "a",
      name: null,
      description: null,
      role: "r",
      dependsOn: [],
      priority: "NORMAL",
      input: null,
      timeoutMs: DEFAULT_POLICY.stepTimeoutMs,
      retry: DEFAULT_RETRY,
      config: null,
      runAt: null,
      delayMs: null,
      qualityThreshold: null,
      scheduleToStartMs: null,
      onSuccess: null,
      onFailure: null,
      compensate: null,
      when: null,
      maxVisits: null,
      skipIfDependencySkipped: false,
      inputMapping: null,
      outputMapping: null,
    });
  });

  it.each([
    ["SIMPLE", 1],
    ["MEDIUM", 2],
    ["COMPLEX", 3],
    ["CRISIS", 5],
  ] as const)("takes maxParallel from complexity %s → %i", (complexity, n) => {
    expect(PARALLEL_BY_COMPLEXITY[complexity]).toBe(n);
    expect(normalizePolicy({ complexity }).maxParallel).toBe(n);
    expect(validatePlanSteps([{ key: "a", role: "r" }], { complexity }).policy).toMatchObject({ complexity, maxParallel: n });
  });

  it("keeps an explicit maxParallel over the complexity default", () => {
    expect(normalizePolicy({ complexity: "CRISIS", maxParallel: 2 }).maxParallel).toBe(2);
  });

  it("gives steps the policy's stepTimeoutMs unless they name their own", () => {
    const v = validatePlanSteps(
      [
        { key: "a", role: "r" },
        { key: "b", role: "r", timeoutMs: 42 },
      ],
      { stepTimeoutMs: 9_000 },
    );
    expect(v.steps.map((s) => s.timeoutMs)).toEqual([9_000, 42]);
  });

  it("merges a partial retry policy with the defaults", () => {
    const v = validatePlanSteps([{ key: "a", role: "r", retry: { maxAttempts: 7, nonRetryableErrorTypes: ["X"] } }], null);
    expect(v.steps[0]!.retry).toEqual({ ...DEFAULT_RETRY, maxAttempts: 7, nonRetryableErrorTypes: ["X"] });
  });

  it("leaves planTimeoutMs null unless given", () => {
    expect(normalizePolicy(null).planTimeoutMs).toBeNull();
    expect(normalizePolicy({ planTimeoutMs: 5_000 }).planTimeoutMs).toBe(5_000);
  });
});

describe("graphProblems", () => {
  it("names every duplicate, once per repeat", () => {
    const steps = validatePlanSteps([{ key: "a", role: "r" }], null).steps;
    const mk = (key: string, dependsOn: string[] = []) => ({ ...steps[0]!, key, dependsOn });
    expect(graphProblems([mk("a"), mk("a"), mk("b"), mk("a")], "plan.steps")).toEqual([
      { path: "plan.steps[1].key", message: 'duplicate key "a"' },
      { path: "plan.steps[3].key", message: 'duplicate key "a"' },
    ]);
  });

  // Regression (fixed in 8a3b3aa): a step with a self dependency used to be dropped from the
  // cycle search altogether, hiding a real cycle through it until the self edge was fixed.
  it("reports a cycle through a step that also depends on itself", () => {
    const { problems } = validatePlanSteps(
      [
        { key: "a", role: "r", dependsOn: ["b", "a"] },
        { key: "b", role: "r", dependsOn: ["a"] },
      ],
      null,
    );
    expect(problems).toEqual([
      { path: "steps[0].dependsOn", message: '"a" depends on itself' },
      { path: "steps", message: "dependency cycle: a -> b -> a" },
    ]);
  });

  // Regression (fixed in 8a3b3aa): the later duplicate used to replace the earlier one in the
  // cycle search, hiding a cycle through the first definition.
  it("reports a cycle through a duplicated key as well as the duplicate", () => {
    const { problems } = validatePlanSteps(
      [
        { key: "a", role: "r", dependsOn: ["c"] },
        { key: "b", role: "r", dependsOn: ["a"] },
        { key: "c", role: "r", dependsOn: ["b"] },
        { key: "a", role: "r" },
      ],
      null,
    );
    expect(problems).toEqual([
      { path: "steps[3].key", message: 'duplicate key "a"' },
      { path: "steps", message: "dependency cycle: a -> b -> c -> a" },
    ]);
  });
});

describe("complexity from the plan's shape", () => {
  const chain = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `s${i}`, role: "r", dependsOn: i ? [`s${i - 1}`] : [] }));
  const wide = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `s${i}`, role: "r" }));

  it("derives SIMPLE, MEDIUM or COMPLEX by the documented rule, with maxParallel to match", () => {
    const of = (steps: { key: string; role: string; dependsOn?: string[] }[]) => validatePlanSteps(steps, null).policy;
    expect(of(chain(3))).toMatchObject({ complexity: "SIMPLE", maxParallel: 1 });
    expect(of(chain(4))).toMatchObject({ complexity: "MEDIUM", maxParallel: 2 });
    expect(of(wide(4))).toMatchObject({ complexity: "MEDIUM", maxParallel: 2 });
    expect(of(wide(5))).toMatchObject({ complexity: "COMPLEX", maxParallel: 3 });
    expect(of(chain(8))).toMatchObject({ complexity: "COMPLEX" });
    expect(of(chain(21).map((s) => ({ ...s, dependsOn: [] })))).toMatchObject({ complexity: "COMPLEX" });
  });

  it("an explicit complexity or maxParallel wins; CRISIS is never derived and shortens step timeouts", () => {
    expect(validatePlanSteps(wide(9), { complexity: "SIMPLE" }).policy).toMatchObject({ complexity: "SIMPLE", maxParallel: 1 });
    expect(validatePlanSteps(wide(9), { maxParallel: 7 }).policy).toMatchObject({ complexity: "COMPLEX", maxParallel: 7 });
    const crisis = validatePlanSteps(chain(2), { complexity: "CRISIS" });
    expect(crisis.policy).toMatchObject({ complexity: "CRISIS", maxParallel: 5, stepTimeoutMs: 60_000 });
    expect(crisis.steps[0]!.timeoutMs).toBe(60_000);
  });
});

describe("the plan's default retry policy", () => {
  it("applies to steps that name none; a step's own fields override it one by one", () => {
    const v = validatePlanSteps(
      [
        { key: "a", role: "r" },
        { key: "b", role: "r", retry: { maxAttempts: 1 } },
      ],
      { retry: { maxAttempts: 5, initialIntervalMs: 250, nonRetryableErrorTypes: ["FATAL"] } },
    );
    expect(v.problems).toEqual([]);
    const planRetry = { ...DEFAULT_RETRY, maxAttempts: 5, initialIntervalMs: 250, nonRetryableErrorTypes: ["FATAL"] };
    expect(v.policy.retry).toEqual(planRetry);
    expect(v.steps[0]!.retry).toEqual(planRetry);
    expect(v.steps[1]!.retry).toEqual({ ...planRetry, maxAttempts: 1 });
  });

  it("is checked like a step's, with problems under policy.retry", () => {
    const v = validatePlanSteps([{ key: "a", role: "r" }], { retry: { maxAttempts: 0, backoffCoefficient: 0.5 } });
    expect(v.problems.map((p) => p.path)).toEqual(expect.arrayContaining(["policy.retry.maxAttempts", "policy.retry.backoffCoefficient"]));
  });
});
