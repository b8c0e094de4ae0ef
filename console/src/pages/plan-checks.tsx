/**
 * The gateway's own checks of a new plan as it is typed: `validatePlan` (createPlan's checks,
 * nothing created) is asked DEBOUNCE_MS after the last change, and its problems are listed with
 * their paths. A GraphQL error of the request (a field the schema does not know, a value of the
 * wrong type) is a problem too: createPlan would be refused the same way.
 */
import { useEffect, useMemo, useState } from "react";
import { useQuery, type CombinedError } from "urql";
import { refusal } from "./common.js";
import { ValidatePlanQuery } from "./documents.js";

export const DEBOUNCE_MS = 300;

export interface PlanProblem {
  code: string;
  path: string | null;
  message: string;
}

export interface PlanChecks {
  /** The gateway's problems with the last input it checked; null before an answer, or without an input. */
  problems: PlanProblem[] | null;
  /** An input is waiting for its answer (typed within DEBOUNCE_MS, or asked). */
  checking: boolean;
}

const errorProblem = (error: CombinedError): PlanProblem => {
  const r = refusal(error);
  return { code: r.code ?? "ERROR", path: null, message: r.message };
};

/** The gateway's checks of `input` (a CreatePlanInput); none while it is null (the text does not parse). */
export function usePlanChecks(input: Record<string, unknown> | null): PlanChecks {
  const key = input ? JSON.stringify(input) : null;
  const [settled, setSettled] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setSettled(key), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [key]);
  const variables = useMemo(() => ({ input: settled ? (JSON.parse(settled) as never) : ({} as never) }), [settled]);
  const [result] = useQuery({ query: ValidatePlanQuery, variables, pause: settled === null, requestPolicy: "network-only" });
  if (key === null) return { problems: null, checking: false };
  const problems = result.error ? [errorProblem(result.error)] : (result.data?.validatePlan.problems ?? null);
  return { problems, checking: key !== settled || result.fetching };
}

/** The problems, each with its path; or that the checks pass. */
export function PlanChecksView({ checks }: { checks: PlanChecks }) {
  const { problems, checking } = checks;
  if (problems === null) return checking ? <p className="muted small">Checking with the gateway…</p> : null;
  if (problems.length === 0) {
    return (
      <p className="muted small" role="status" data-testid="plan-checks-pass">
        {checking ? "Checking with the gateway…" : "The gateway's checks pass."}
      </p>
    );
  }
  return (
    <div className="plan-problems" role="status">
      <p className="error small">
        The gateway would refuse this plan{checking ? " (checking again…)" : ""}:
      </p>
      <ul data-testid="plan-problems" aria-label="Problems the gateway found">
        {problems.map((p, i) => (
          <li key={i} data-path={p.path ?? ""} data-code={p.code}>
            {p.path && <code>{p.path}</code>}
            {p.path ? ": " : ""}
            {p.message} <span className="muted">({p.code})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
