/** The sign-in form: an API token (baton token create, or data/admin.token), kept for this tab only. */
import { useState, type FormEvent } from "react";
import { useAuth } from "./auth.js";

export function SignIn({ message }: { message: string }) {
  const { signIn } = useAuth();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) return setError("Paste a token first.");
    setBusy(true);
    const refused = await signIn(token.trim());
    setBusy(false);
    if (refused) setError(refused);
  };

  return (
    <form className="center card signin" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to Baton</h1>
      {message && (
        <p className="notice" role="alert">
          {message}
        </p>
      )}
      <label htmlFor="token">API token</label>
      <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} placeholder="baton_…" autoFocus />
      <p className="muted small">
        An admin token is in <code>data/admin.token</code> beside the database; others come from <code>npx baton token create</code>. The token is kept in this
        tab only, and is sent to this gateway alone.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Checking…" : "Sign in"}
      </button>
    </form>
  );
}
