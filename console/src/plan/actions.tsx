/**
 * The interventions the console offers (to admins and operators only: ../roles.ts). Each asks a
 * reason and sends the plan version the operator saw (./intervene.tsx); the gateway logs each as
 * an Intervention, and a refused one says why.
 */
import { useState } from "react";
import { useMutation } from "urql";
import type { PlanState, StepState } from "../states.js";
import { AddStep, CancelPlan, PausePlan, ResumePlan, RetryPlan, RetryStep, SkipStep } from "./intervention-documents.js";
import { Intervene, JsonField, OutcomeNote, parseJson, type Reported } from "./intervene.js";
import { ModifyStepAction, RemoveStepAction } from "./step-edit.js";
import { ReorderAction } from "./reorder.js";

const UNFINISHED: readonly PlanState[] = ["IDLE", "RUNNING", "PAUSED"];

export function PlanActions({ id, state, version, steps }: { id: string; state: PlanState; version: number; steps: readonly { key: string; state: StepState }[] }) {
  const [pause, pausePlan] = useMutation(PausePlan);
  const [resume, resumePlan] = useMutation(ResumePlan);
  const [cancel, cancelPlan] = useMutation(CancelPlan);
  const [retry, retryPlan] = useMutation(RetryPlan);
  const [reported, setReported] = useState<Reported | null>(null);
  const [compensate, setCompensate] = useState(false);
  const busy = pause.fetching || resume.fetching || cancel.fetching || retry.fetching;
  const common = { version, disabled: busy, onReport: setReported };
  return (
    <div className="actions" aria-label="Plan actions" role="group">
      <Intervene
        shown={state === "RUNNING"}
        {...common}
        label="Pause plan"
        description="No new step starts; running attempts may finish; clocks freeze."
        send={(reason, expectedVersion) => pausePlan({ id, reason, expectedVersion })}
      />
      <Intervene
        shown={state === "PAUSED"}
        {...common}
        label="Resume plan"
        description="The plan runs on exactly where it stopped."
        send={(reason, expectedVersion) => resumePlan({ id, reason, expectedVersion })}
      />
      <Intervene
        shown={state === "FAILED"}
        {...common}
        label="Retry plan"
        description="The step that failed the plan runs again."
        send={(reason, expectedVersion) => retryPlan({ id, reason, expectedVersion })}
      />
      <AddStepAction shown={UNFINISHED.includes(state)} planId={id} version={version} steps={steps} onReport={setReported} />
      <ReorderAction shown={UNFINISHED.includes(state)} planId={id} version={version} steps={steps} onReport={setReported} />
      <Intervene
        shown={UNFINISHED.includes(state)}
        {...common}
        danger
        label="Cancel plan"
        description="Its unfinished steps will not run."
        onOpen={() => setCompensate(false)}
        send={(reason, expectedVersion) => cancelPlan({ id, reason, expectedVersion, compensate })}
      >
        <label className="check">
          <input type="checkbox" checked={compensate} onChange={(e) => setCompensate(e.target.checked)} /> With compensation: first undo the steps that succeeded, newest first
        </label>
      </Intervene>
      <OutcomeNote reported={reported} />
    </div>
  );
}

function AddStepAction({ shown, planId, version, steps, onReport }: { shown: boolean; planId: string; version: number; steps: readonly { key: string }[]; onReport: (r: Reported) => void }) {
  const [added, addStep] = useMutation(AddStep);
  const [key, setKey] = useState("");
  const [role, setRole] = useState("");
  const [dependsOn, setDependsOn] = useState("");
  const [input, setInput] = useState("");
  const [after, setAfter] = useState("");
  return (
    <Intervene
      shown={shown}
      label="Add step"
      version={version}
      disabled={added.fetching}
      onReport={onReport}
      description="A new step; the whole plan is checked again."
      onOpen={() => {
        setKey("");
        setRole("");
        setDependsOn("");
        setInput("");
        setAfter("");
      }}
      send={(reason, expectedVersion) => {
        if (!key.trim() || !role.trim()) return "A step needs a key and a role.";
        const parsed = parseJson(input, "Input");
        if (parsed.error) return parsed.error;
        const deps = dependsOn
          .split(",")
          .map((d) => d.trim())
          .filter(Boolean);
        const step = {
          key: key.trim(),
          role: role.trim(),
          ...(deps.length ? { dependsOn: deps } : {}),
          ...(parsed.value !== undefined ? { input: parsed.value } : {}),
        };
        return addStep({
          planId,
          reason,
          expectedVersion,
          step,
          after: after || null,
        });
      }}
    >
      <div className="field">
        <label>
          Key <input type="text" value={key} onChange={(e) => setKey(e.target.value)} />
        </label>
      </div>
      <div className="field">
        <label>
          Role <input type="text" value={role} onChange={(e) => setRole(e.target.value)} />
        </label>
      </div>
      <div className="field">
        <label>
          Depends on (keys, comma-separated) <input type="text" value={dependsOn} onChange={(e) => setDependsOn(e.target.value)} />
        </label>
      </div>
      <div className="field">
        <label>
          Place after{" "}
          <select value={after} onChange={(e) => setAfter(e.target.value)}>
            <option value="">the last step</option>
            {steps.map((s) => (
              <option key={s.key} value={s.key}>
                {s.key}
              </option>
            ))}
          </select>
        </label>
      </div>
      <JsonField label="Input (JSON, optional)" value={input} onChange={setInput} />
    </Intervene>
  );
}

export function StepActions({ planId, stepKey, state, version, input }: { planId: string; stepKey: string; state: StepState; version: number; input: unknown }) {
  const [retry, retryStep] = useMutation(RetryStep);
  const [skip, skipStep] = useMutation(SkipStep);
  const [reported, setReported] = useState<Reported | null>(null);
  const [retryInput, setRetryInput] = useState("");
  const [output, setOutput] = useState("");
  const busy = retry.fetching || skip.fetching;
  // As docs/control.md says: retryStep runs a FAILED, CANCELLED or SKIPPED step again; skipStep
  // skips a PENDING, READY or FAILED one; a step that has not started may be changed or removed.
  const retryable = state === "FAILED" || state === "CANCELLED" || state === "SKIPPED";
  const skippable = state === "PENDING" || state === "READY" || state === "FAILED";
  const editable = state === "PENDING" || state === "READY" || state === "WAITING";
  const common = { version, disabled: busy, onReport: setReported };
  return (
    <div className="actions" role="group" aria-label="Step actions">
      <Intervene
        shown={retryable}
        {...common}
        label="Retry step"
        description="The step runs again (and the steps cancelled because of it)."
        onOpen={() => setRetryInput("")}
        send={(reason, expectedVersion) => {
          const parsed = parseJson(retryInput, "New input");
          if (parsed.error) return parsed.error;
          return retryStep({
            planId,
            stepKey,
            reason,
            expectedVersion,
            input: parsed.value,
          });
        }}
      >
        <JsonField label="New input (JSON; empty keeps the old one)" value={retryInput} onChange={setRetryInput} />
      </Intervene>
      <Intervene
        shown={skippable}
        {...common}
        label="Skip step"
        description="The step does not run; the steps after it see the substitute output as its output."
        onOpen={() => setOutput("")}
        send={(reason, expectedVersion) => {
          const parsed = parseJson(output, "Substitute output");
          if (parsed.error) return parsed.error;
          return skipStep({
            planId,
            stepKey,
            reason,
            expectedVersion,
            output: parsed.value,
          });
        }}
      >
        <JsonField label="Substitute output (JSON, optional)" value={output} onChange={setOutput} />
      </Intervene>
      <ModifyStepAction shown={editable} planId={planId} stepKey={stepKey} version={version} input={input} onReport={setReported} />
      <RemoveStepAction shown={editable} planId={planId} stepKey={stepKey} version={version} onReport={setReported} />
      <OutcomeNote reported={reported} />
    </div>
  );
}
