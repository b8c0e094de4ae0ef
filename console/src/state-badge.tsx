import { stateIcon, stateWord, type PlanState, type StepState } from "./states.js";

/** A state as an icon, a word and a colour: the word is always there. */
export function StateBadge({ state }: { state: PlanState | StepState }) {
  return (
    <span className={`badge state-${state.toLowerCase()}`} data-state={state}>
      <span aria-hidden="true" className="icon">
        {stateIcon(state)}
      </span>{" "}
      {stateWord(state)}
    </span>
  );
}

/** An instant in the reader's local time, with the exact one on hover. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const d = new Date(at);
  return (
    <time dateTime={at} title={d.toISOString()}>
      {d.toLocaleString()}
    </time>
  );
}

/** Whether the view follows the signal log, and why not. */
export function LiveIndicator({ error }: { error: string | null }) {
  return error ? (
    <span className="live off" role="status" title={error}>
      ● Not live: {error}
    </span>
  ) : (
    <span className="live on" role="status">
      ● Live
    </span>
  );
}
