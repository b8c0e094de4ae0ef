/**
 * One intervention, asked in a dialog: why (a reason, required), the fields the action takes,
 * and the plan version the operator saw when they opened it, sent as `expectedVersion`. The
 * gateway logs every request as an Intervention; a refused one (VERSION_CONFLICT, INVALID_STATE,
 * INVALID_PLAN…) changed nothing and says why, and the console shows its code and reason.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { parseJson } from "./edit.js";
import "./intervene.css";

export { parseJson };

export interface Outcome {
  status: string;
  rejectionCode?: string | null;
  rejectionReason?: string | null;
}

/** What a mutation gives back: one field, the Intervention. */
export type InterventionResult = Promise<{
  data?: Record<string, Outcome | undefined> | null;
  error?: { message: string };
}>;

export interface Reported {
  label: string;
  outcome: Outcome | null;
  error: string | null;
}

export function OutcomeNote({ reported }: { reported: Reported | null }) {
  if (!reported) return null;
  const { label, outcome, error } = reported;
  if (error) {
    return (
      <span className="error small" role="alert">
        {label}: {error}
      </span>
    );
  }
  if (outcome?.status === "REJECTED") {
    return (
      <span className="error small" role="alert" data-testid="refusal">
        {label} refused ({outcome.rejectionCode}): {outcome.rejectionReason}. Nothing was changed.
      </span>
    );
  }
  return (
    <span className="small muted" role="status">
      {label}: done.
    </span>
  );
}

export function JsonField({ label, value, onChange, rows = 5 }: { label: string; value: string; onChange: (v: string) => void; rows?: number }) {
  const id = useId();
  const invalid = value.trim() !== "" && parseJson(value, label).error;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} className="mono" rows={rows} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid ? true : undefined} spellCheck={false} />
      {invalid && <span className="error small">{invalid}</span>}
    </div>
  );
}

export interface InterveneProps {
  /** The button's label, also the dialog's title. */
  label: string;
  /**
   * Whether the action applies in the state on screen (default true). When the plan changes
   * under an open dialog, the button goes but the dialog stays: the request goes with the
   * version the operator saw, and the gateway says why it refuses it.
   */
  shown?: boolean;
  /** The plan version on screen now: the dialog keeps the one shown when it opened. */
  version: number;
  danger?: boolean;
  disabled?: boolean;
  /** What the action does, in a sentence. */
  description?: string;
  /** Sends the request; a string is a problem with the fields (nothing sent). */
  send: (reason: string, expectedVersion: number) => InterventionResult | string;
  onReport: (reported: Reported) => void;
  /** Called when the dialog opens (to reset its fields). */
  onOpen?: () => void;
  children?: ReactNode;
}

export function Intervene({ label, shown = true, version, danger, disabled, description, send, onReport, onOpen, children }: InterveneProps) {
  const [seen, setSeen] = useState<number | null>(null);
  return (
    <>
      {shown && (
        <button
          type="button"
          className={danger ? "danger" : undefined}
          disabled={disabled}
          onClick={() => {
            onOpen?.();
            setSeen(version);
          }}
        >
          {label}
        </button>
      )}
      {seen !== null && (
        <InterveneDialog label={label} version={seen} description={description} send={send} onReport={onReport} onClose={() => setSeen(null)}>
          {children}
        </InterveneDialog>
      )}
    </>
  );
}

function InterveneDialog({
  label,
  version,
  description,
  send,
  onReport,
  onClose,
  children,
}: Omit<InterveneProps, "disabled" | "danger" | "shown"> & {
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const submit = async () => {
    if (!reason.trim()) return setProblem("Say why: the reason is recorded with the intervention.");
    const sent = send(reason.trim(), version);
    if (typeof sent === "string") return setProblem(sent);
    setProblem(null);
    setSending(true);
    const { data, error } = await sent;
    setSending(false);
    // A request the gateway did not take (bad input) keeps the dialog open to be fixed.
    if (error) return setProblem(error.message);
    onReport({
      label,
      outcome: Object.values(data ?? {})[0] ?? null,
      error: null,
    });
    onClose();
  };

  return (
    <dialog ref={ref} className="intervene card" aria-labelledby={titleId} onClose={onClose}>
      <form
        method="dialog"
        onChange={() => setProblem(null)}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id={titleId}>{label}</h2>
        {description && <p className="muted small">{description}</p>}
        <p className="small muted">Based on plan version {version}: if the plan has changed since, the gateway refuses it and nothing changes.</p>
        <div className="field">
          <label htmlFor={reasonId}>Reason</label>
          <textarea id={reasonId} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} aria-required="true" />
        </div>
        {children}
        {problem && (
          <p className="error small" role="alert">
            {problem}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={sending}>
            {sending ? "Sending…" : "Confirm"}
          </button>
          <button type="button" className="link" onClick={onClose}>
            Back
          </button>
        </div>
      </form>
    </dialog>
  );
}
