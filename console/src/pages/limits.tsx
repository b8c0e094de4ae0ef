/**
 * The role limits (/limits): how many attempts of a role may run at once, and at what rate.
 * Everyone who may read plans sees them; admins and operators (who may change them: the gateway
 * authorises setRoleLimit and removeRoleLimit to operators) also get a form that sets a role's
 * limits and a Remove button that asks first. A refusal is shown with its code and message.
 */
import { useCallback, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { useViewer } from "../auth.js";
import { canSteer } from "../roles.js";
import { Time } from "../state-badge.js";
import { ErrorNote, useInterval } from "./common.js";
import { ConfirmDialog } from "./confirm.js";
import { RemoveRoleLimitMutation, RoleLimitsQuery, SetRoleLimitMutation } from "./documents.js";

export function LimitsPage() {
  const viewer = useViewer();
  const canChange = canSteer(viewer.role);
  const [result, read] = useQuery({ query: RoleLimitsQuery, requestPolicy: "cache-and-network" });
  const reread = useCallback(() => read({ requestPolicy: "network-only" }), [read]);
  useInterval(reread, 5000);
  const [removing, setRemoving] = useState<string | null>(null);
  const [, remove] = useMutation(RemoveRoleLimitMutation);
  const list = result.data?.roleLimits;
  return (
    <section aria-labelledby="limits-title">
      <div className="title-row">
        <h1 id="limits-title">Role limits</h1>
      </div>
      {canChange && <SetLimit onSet={reread} />}
      <ErrorNote error={result.error} />
      {list && list.length === 0 && <p className="muted">No role is limited.</p>}
      {list && list.length > 0 && (
        <table className="listing">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Running now</th>
              <th scope="col">At most at once</th>
              <th scope="col">Rate</th>
              <th scope="col">Changed</th>
              {canChange && <th scope="col" aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {list.map((l) => (
              <tr key={l.id} data-role={l.role}>
                <td>{l.role}</td>
                <td>{l.running}</td>
                <td>{l.maxConcurrent ?? "no limit"}</td>
                <td>{l.claims && l.intervalMs ? `${l.claims} per ${l.intervalMs} ms` : "no limit"}</td>
                <td>
                  <Time at={l.updatedAt} /> <span className="muted small">by {l.updatedBy}</span>
                </td>
                {canChange && (
                  <td>
                    <button type="button" className="danger" onClick={() => setRemoving(l.role)}>
                      Remove…
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {removing !== null && (
        <ConfirmDialog
          title={`Remove the limits of ${removing}?`}
          confirm="Remove"
          act={async () => {
            const r = await remove({ role: removing });
            if (!r.error) reread();
            return r;
          }}
          onClose={() => setRemoving(null)}
        >
          <p>
            Steps of the role <strong>{removing}</strong> are then handed out as if it never had limits.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** An optional whole number typed in a field: null when empty. */
const count = (text: string): number | null => (text.trim() === "" ? null : Number(text));

function SetLimit({ onSet }: { onSet: () => void }) {
  const [role, setRole] = useState("");
  const [maxConcurrent, setMaxConcurrent] = useState("");
  const [claims, setClaims] = useState("");
  const [intervalMs, setIntervalMs] = useState("");
  const [state, set] = useMutation(SetRoleLimitMutation);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const result = await set({ input: { role: role.trim(), maxConcurrent: count(maxConcurrent), claims: count(claims), intervalMs: count(intervalMs) } });
    if (!result.data) return;
    setDone(`The limits of ${result.data.setRoleLimit.role} are set.`);
    onSet();
  };
  return (
    <>
      <form className="inline-form" aria-label="Set a role's limits" onSubmit={(e) => void submit(e)}>
        <label>
          Role
          <input required value={role} onChange={(e) => setRole(e.target.value)} placeholder="coder" />
        </label>
        <label>
          At most at once
          <input type="number" min={0} step={1} value={maxConcurrent} onChange={(e) => setMaxConcurrent(e.target.value)} />
        </label>
        <label>
          Claims
          <input type="number" min={1} step={1} value={claims} onChange={(e) => setClaims(e.target.value)} />
        </label>
        <label>
          Per (ms)
          <input type="number" min={1} step={1} value={intervalMs} onChange={(e) => setIntervalMs(e.target.value)} />
        </label>
        <button type="submit" disabled={state.fetching || !role.trim()}>
          Set limits
        </button>
      </form>
      <p className="muted small">Replaces the role's limits. Leave a field empty for no cap or no rate; a cap of 0 holds the role's steps back.</p>
      <ErrorNote error={state.error} />
      {done && (
        <p className="small" role="status">
          {done}
        </p>
      )}
    </>
  );
}
