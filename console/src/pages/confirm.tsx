/**
 * A modal question before an action that cannot be undone (revoking a token, removing a role's
 * limits). The action runs on Confirm; a refusal stays in the dialog with its code and message.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { CombinedError } from "urql";
import { ErrorNote } from "./common.js";

export function ConfirmDialog({ title, confirm, act, onClose, children }: { title: string; confirm: string; act: () => Promise<{ error?: CombinedError | undefined }>; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<CombinedError | undefined>(undefined);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const run = async () => {
    setSending(true);
    const result = await act();
    setSending(false);
    if (result.error) return setError(result.error);
    onClose();
  };
  return (
    <dialog ref={ref} className="confirm card" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
      <ErrorNote error={error} />
      <div className="actions">
        <button type="button" className="danger" disabled={sending} onClick={() => void run()}>
          {sending ? "Sending…" : confirm}
        </button>
        <button type="button" className="link" onClick={onClose}>
          Back
        </button>
      </div>
    </dialog>
  );
}
