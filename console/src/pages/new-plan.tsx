/**
 * A new plan (/plans/new), for operators and admins: from a template (its name, version and an
 * input as JSON), or from a step list written as JSON or YAML. The text is parsed as it is
 * typed, then the gateway's own checks run on it (validatePlan, ./plan-checks.tsx): their
 * problems are listed with their paths, and the plan cannot be created while there are some. A
 * refusal at creation is shown with its code and message. A created plan's page opens.
 */
import { useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { useLocation } from "wouter";
import { parse as parseYaml } from "yaml";
import { useViewer } from "../auth.js";
import { canSteer } from "../roles.js";
import { ErrorNote } from "./common.js";
import { CreatePlanMutation, TemplatesQuery } from "./documents.js";
import { PlanChecksView, usePlanChecks, type PlanChecks } from "./plan-checks.js";

const EXAMPLE = `[
  { "key": "fetch", "role": "builtin.echo", "input": { "hello": "world" } },
  { "key": "report", "role": "builtin.echo", "dependsOn": ["fetch"] }
]`;

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** JSON, or else YAML (a superset): the first error of the two is JSON's when it looks like JSON. */
export function parseSteps(text: string): Parsed {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, message: "Write the steps." };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (jsonError) {
    if (/^[[{]/.test(trimmed)) return { ok: false, message: `Not valid JSON: ${(jsonError as Error).message}` };
    try {
      return { ok: true, value: parseYaml(trimmed) as unknown };
    } catch (yamlError) {
      return { ok: false, message: `Not valid YAML: ${(yamlError as Error).message}` };
    }
  }
}

/** A step list is an array of steps, or an object with `steps` (and maybe name, goal, labels…). */
function toInput(value: unknown, name: string): { ok: true; input: Record<string, unknown> } | { ok: false; message: string } {
  if (Array.isArray(value)) return { ok: true, input: { name, steps: value } };
  if (value && typeof value === "object" && Array.isArray((value as { steps?: unknown }).steps)) {
    const v = value as Record<string, unknown>;
    return { ok: true, input: { ...v, name: typeof v["name"] === "string" && !name ? v["name"] : name } };
  }
  return { ok: false, message: "Expected a list of steps, or an object with a steps list." };
}

export function NewPlanPage() {
  const viewer = useViewer();
  const [mode, setMode] = useState<"steps" | "template">("steps");
  if (!canSteer(viewer.role)) return <p role="alert">Your role ({viewer.role.toLowerCase()}) may read plans but not create them.</p>;
  return (
    <section aria-labelledby="new-plan-title" className="new-plan">
      <h1 id="new-plan-title">New plan</h1>
      <div className="tabs" role="group" aria-label="Make the plan">
        <button type="button" aria-pressed={mode === "steps"} onClick={() => setMode("steps")}>
          From a step list
        </button>
        <button type="button" aria-pressed={mode === "template"} onClick={() => setMode("template")}>
          From a template
        </button>
      </div>
      {mode === "steps" ? <FromSteps /> : <FromTemplate />}
    </section>
  );
}

function useCreate() {
  const [state, create] = useMutation(CreatePlanMutation);
  const [, navigate] = useLocation();
  const [error, setError] = useState<CombinedError | undefined>(undefined);
  const submit = async (input: Record<string, unknown>) => {
    setError(undefined);
    const result = await create({ input: input as never });
    if (result.error) return setError(result.error);
    if (result.data) navigate(`/plans/${encodeURIComponent(result.data.createPlan.id)}`);
  };
  return { busy: state.fetching, error, submit };
}

const hasProblems = (checks: PlanChecks): boolean => (checks.problems?.length ?? 0) > 0;

function FromSteps() {
  const [name, setName] = useState("");
  const [text, setText] = useState(EXAMPLE);
  const { busy, error, submit } = useCreate();
  const parsed = useMemo(() => {
    const p = parseSteps(text);
    return p.ok ? toInput(p.value, name.trim()) : p;
  }, [text, name]);
  const checks = usePlanChecks(parsed.ok ? parsed.input : null);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (parsed.ok) void submit(parsed.input);
  };
  return (
    <form onSubmit={onSubmit} aria-label="New plan from a step list">
      <label>
        Plan name <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label>
        Steps (JSON or YAML)
        <textarea value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} aria-invalid={!parsed.ok} />
      </label>
      {!parsed.ok && (
        <p className="error small" role="status" data-testid="parse-error">
          {parsed.message}
        </p>
      )}
      <PlanChecksView checks={checks} />
      <button type="submit" disabled={busy || !parsed.ok || hasProblems(checks)}>
        Create plan
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

function FromTemplate() {
  const [templates] = useQuery({ query: TemplatesQuery });
  const [chosen, setChosen] = useState("");
  const [name, setName] = useState("");
  const [inputText, setInputText] = useState("{}");
  const { busy, error, submit } = useCreate();
  const input = useMemo(() => parseSteps(inputText || "{}"), [inputText]);
  const list = templates.data?.templates ?? [];
  const template = list.find((t) => `${t.name}@${t.version}` === chosen);
  const request = useMemo(
    () => (template && input.ok ? { name: name.trim() || template.name, template: `${template.name}@${template.version}`, input: input.value } : null),
    [template, input, name],
  );
  const checks = usePlanChecks(request);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (request) void submit(request);
  };
  return (
    <form onSubmit={onSubmit} aria-label="New plan from a template">
      <ErrorNote error={templates.error} />
      {templates.data && list.length === 0 && <p className="muted">No template is registered.</p>}
      <label>
        Template{" "}
        <select value={chosen} onChange={(e) => setChosen(e.target.value)} required>
          <option value="">Choose…</option>
          {list.map((t) => (
            <option key={t.id} value={`${t.name}@${t.version}`}>
              {t.name} (version {t.version})
            </option>
          ))}
        </select>
      </label>
      {template && (
        <p className="muted small">
          {template.description ?? "No description."} Steps: {template.steps.map((s) => `${s.key} (${s.role})`).join(", ")}.
        </p>
      )}
      <label>
        Plan name <input value={name} onChange={(e) => setName(e.target.value)} placeholder={template?.name ?? ""} />
      </label>
      <label>
        Input (JSON or YAML, given to the steps that have none)
        <textarea value={inputText} onChange={(e) => setInputText(e.target.value)} spellCheck={false} aria-invalid={!input.ok} />
      </label>
      {!input.ok && (
        <p className="error small" role="status">
          {input.message}
        </p>
      )}
      <PlanChecksView checks={checks} />
      <button type="submit" disabled={busy || !request || hasProblems(checks)}>
        Create plan
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
