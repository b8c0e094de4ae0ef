/**
 * The API tokens (/tokens, admins only: the gateway refuses the list to others): each token with
 * its state; a form that makes one and shows its secret once; revoking one after a confirmation
 * naming it. A refusal is shown with its code and message.
 */
import { useCallback, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { useViewer } from "../auth.js";
import type { TokenRole } from "../gql/graphql.js";
import { Time } from "../state-badge.js";
import { ErrorNote } from "./common.js";
import { ConfirmDialog } from "./confirm.js";
import { CreateTokenMutation, RevokeTokenMutation, TokensQuery } from "./documents.js";

const ROLES: TokenRole[] = ["VIEWER", "OPERATOR", "AGENT", "METRICS", "ADMIN"];

export function TokensPage() {
  const viewer = useViewer();
  if (viewer.role !== "ADMIN") return <p role="alert">Only an admin token may list the tokens.</p>;
  return <TokenList ownId={viewer.tokenId} />;
}

/** `ownId`: the token this console is signed in with. */
function TokenList({ ownId }: { ownId: string | null }) {
  const [result, read] = useQuery({ query: TokensQuery, requestPolicy: "cache-and-network" });
  const reread = useCallback(() => read({ requestPolicy: "network-only" }), [read]);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [, revoke] = useMutation(RevokeTokenMutation);
  const list = result.data?.tokens;
  return (
    <section aria-labelledby="tokens-title">
      <div className="title-row">
        <h1 id="tokens-title">Tokens</h1>
      </div>
      <CreateToken onCreated={reread} />
      <ErrorNote error={result.error} />
      {list && (
        <table className="listing">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Made</th>
              <th scope="col">Expires</th>
              <th scope="col" aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((t) => {
              const expired = t.expiresAt !== null && t.expiresAt !== undefined && new Date(t.expiresAt).getTime() <= Date.now();
              return (
                <tr key={t.id} data-token={t.name}>
                  <td>{t.name}</td>
                  <td className="mono">{t.prefix}…</td>
                  <td>
                    {t.role.toLowerCase()}
                    {t.roles?.length ? <span className="muted small"> ({t.roles.join(", ")})</span> : null}
                  </td>
                  <td className={`status-word ${t.revokedAt || expired ? "offline" : "online"}`}>{t.revokedAt ? "Revoked" : expired ? "Expired" : "Valid"}</td>
                  <td>
                    <Time at={t.createdAt} /> <span className="muted small">by {t.createdBy}</span>
                  </td>
                  <td>{t.expiresAt ? <Time at={t.expiresAt} /> : "never"}</td>
                  <td>
                    {!t.revokedAt && (
                      <button type="button" className="danger" onClick={() => setRevoking({ id: t.id, name: t.name })}>
                        Revoke…
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {revoking && (
        <ConfirmDialog title={`Revoke the token ${revoking.name}?`} confirm="Revoke" act={() => revoke({ id: revoking.id })} onClose={() => setRevoking(null)}>
          <p>
            Every request made with <strong>{revoking.name}</strong> is refused from now on, and its open subscriptions end. A revoked token cannot be made valid again.
          </p>
          {revoking.id === ownId && <p className="error">It is the token this console is signed in with: you will be signed out.</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The form that makes a token, then its secret, shown this once. */
function CreateToken({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<TokenRole>("VIEWER");
  const [agentRoles, setAgentRoles] = useState("");
  const [expires, setExpires] = useState("");
  const [state, create] = useMutation(CreateTokenMutation);
  const [made, setMade] = useState<{ name: string; secret: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const roles = agentRoles
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean);
    const input = {
      name: name.trim(),
      role,
      ...(role === "AGENT" && roles.length ? { roles } : {}),
      ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
    };
    const result = await create({ input });
    const created = result.data?.createToken;
    if (!created) return;
    setMade({ name: created.info.name, secret: created.token });
    setName("");
    setAgentRoles("");
    setExpires("");
    onCreated();
  };

  return (
    <>
      <form className="inline-form" aria-label="New token" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="alice" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as TokenRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        {role === "AGENT" && (
          <label>
            Agent roles (optional, comma-separated)
            <input value={agentRoles} onChange={(e) => setAgentRoles(e.target.value)} placeholder="coder, reviewer" />
          </label>
        )}
        <label>
          Expires (optional, local time)
          <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </label>
        <button type="submit" disabled={state.fetching || !name.trim()}>
          Create token
        </button>
      </form>
      <ErrorNote error={state.error} />
      {made && <NewSecret {...made} onDone={() => setMade(null)} />}
    </>
  );
}

function NewSecret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () => {
    const done = navigator.clipboard?.writeText(secret) ?? Promise.reject(new Error("no clipboard"));
    done.then(
      () => setCopied("Copied."),
      () => setCopied("Could not copy: select the secret and copy it by hand."),
    );
  };
  return (
    <section className="secret card" aria-labelledby="secret-title" data-testid="new-secret">
      <h2 id="secret-title">Token {name} made</h2>
      <p>
        <strong>You will not see this secret again:</strong> copy it now. The gateway keeps only a hash of it.
      </p>
      <p>
        <code data-testid="secret">{secret}</code>
      </p>
      <div className="actions">
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" className="link" onClick={onDone}>
          Done, hide it
        </button>
        {copied && (
          <span className="small" role="status">
            {copied}
          </span>
        )}
      </div>
    </section>
  );
}
