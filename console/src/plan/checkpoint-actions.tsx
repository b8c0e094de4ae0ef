/**
 * Restoring a plan to a checkpoint, or forking a new plan from one (admins and operators only:
 * ../roles.ts). A restore asks why and sends the plan version the operator sees; the gateway
 * logs it as an intervention, and a refusal (VERSION_CONFLICT, INVALID_STATE, …) is shown with
 * its reason. A fork asks why too (logged in this plan's interventions) and opens the new plan's
 * page.
 */
import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { useLocation } from "wouter";
import { ForkCheckpointMutation, RestoreCheckpointMutation } from "./checkpoints-documents.js";

export type CheckpointAction = {
  kind: "restore" | "fork";
  checkpointId: string;
};

export function RestoreForm({
  planId,
  checkpointId,
  version,
  onDone,
}: {
  planId: string;
  checkpointId: string;
  version: number;
  onDone: (message: string) => void;
}) {
  const [reason, setReason] = useState("");
  const [state, restore] = useMutation(RestoreCheckpointMutation);
  const [message, setMessage] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    const result = await restore({
      planId,
      checkpointId,
      reason: reason.trim(),
      expectedVersion: version,
    });
    if (result.error) return setMessage(result.error.message);
    const outcome = result.data?.restoreCheckpoint;
    if (outcome?.status === "REJECTED") return setMessage(`Refused (${outcome.rejectionCode}): ${outcome.rejectionReason}`);
    onDone(`Restored to checkpoint ${checkpointId}: the plan is at version ${outcome?.planVersion ?? "?"}.`);
  };
  return (
    <form className="ckp-form" aria-label="Restore the checkpoint" onSubmit={(e) => void submit(e)}>
      <p className="small">
        The plan rewinds in place to checkpoint <span className="mono">{checkpointId}</span>: steps finished since return to their state then, running attempts
        are stopped. History is kept.
      </p>
      <label>
        Reason
        <input required value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why restore it" />
      </label>
      <p className="small muted">Sent with plan version {version}, the one shown: if the plan has changed since, the gateway refuses.</p>
      <div className="actions">
        <button type="submit" disabled={state.fetching || !reason.trim()}>
          Restore to this checkpoint
        </button>
      </div>
      {message && (
        <p className="error small" role="alert">
          {message}
        </p>
      )}
    </form>
  );
}

export function ForkForm({ checkpointId, planName }: { checkpointId: string; planName: string }) {
  const [name, setName] = useState("");
  const [reason, setReason] = useState("");
  const [state, fork] = useMutation(ForkCheckpointMutation);
  const [error, setError] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const result = await fork({ checkpointId, name: name.trim() || null, reason: reason.trim() });
    const plan = result.data?.forkFromCheckpoint;
    if (result.error || !plan) return setError(result.error?.message ?? "The gateway made no plan.");
    navigate(`/plans/${encodeURIComponent(plan.id)}`);
  };
  return (
    <form className="ckp-form" aria-label="Fork the checkpoint" onSubmit={(e) => void submit(e)}>
      <p className="small">
        A new plan starts from checkpoint <span className="mono">{checkpointId}</span>: finished steps keep their outputs, the others run. This plan is not
        changed.
      </p>
      <label>
        Name of the new plan
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={`${planName} (fork)`} />
      </label>
      <label>
        Reason
        <input required value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why fork it" />
      </label>
      <div className="actions">
        <button type="submit" disabled={state.fetching || !reason.trim()}>
          Fork a new plan
        </button>
      </div>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
