/**
 * Who the console is signed in as. At start it reads /console.json: with BATON_AUTH=off it asks
 * `viewer` with no token (an admin) and no sign-in is asked; with authentication on it asks
 * `viewer` with the token kept in sessionStorage, or shows the sign-in form when there is none.
 * A token refused then or later (revoked, expired) is forgotten and the sign-in form comes back
 * with the reason.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { Client, fetchExchange } from "urql";
import { createConsoleClient, isAuthError, type ConsoleClient } from "./client.js";
import { ViewerQuery } from "./documents.js";
import type { Role } from "./roles.js";
import { bearer, endpoints, forgetToken, readToken, saveToken } from "./session.js";

export interface Viewer {
  name: string;
  role: Role;
  /** Null when authentication is off. */
  tokenId: string | null;
  version: string;
}

type Check = { ok: true; viewer: Viewer } | { ok: false; unauthenticated: boolean; message: string };

/** One `viewer` query with this token (or none), outside the console's client and cache. */
export async function checkToken(token: string | null): Promise<Check> {
  const authorization = token ? bearer(token) : null;
  const probe = new Client({ url: endpoints().http, exchanges: [fetchExchange], preferGetMethod: false, fetchOptions: { headers: authorization ? { authorization } : ({} as Record<string, string>) } });
  const { data, error } = await probe.query(ViewerQuery, {}, { requestPolicy: "network-only" }).toPromise();
  if (data?.viewer) return { ok: true, viewer: data.viewer as Viewer };
  if (error && isAuthError(error)) return { ok: false, unauthenticated: true, message: token ? "This token is not accepted (unknown, revoked or expired)." : "" };
  const code = error?.graphQLErrors[0]?.extensions?.["code"];
  if (code === "FORBIDDEN") return { ok: false, unauthenticated: true, message: "This token may not read plans (a metrics token?)." };
  return { ok: false, unauthenticated: false, message: error?.message ?? "The gateway did not answer." };
}

/** Whether the gateway asks for a token (/console.json); null when it did not answer. */
async function authRequired(): Promise<boolean | null> {
  try {
    const res = await fetch(new URL("/console.json", window.location.href), { headers: { accept: "application/json" } });
    const { auth } = (await res.json()) as { auth?: unknown };
    return auth !== "off";
  } catch {
    return null;
  }
}

type State =
  | { status: "checking" }
  | { status: "signed-out"; message: string }
  | { status: "unreachable"; message: string }
  | { status: "signed-in"; viewer: Viewer; token: string | null };

interface Auth {
  state: State;
  signIn(token: string): Promise<string | null>;
  signOut(message?: string): void;
  retry(): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: "checking" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    const token = readToken();
    void authRequired().then(async (required) => {
      if (!live) return;
      if (required === null) return setState({ status: "unreachable", message: "The gateway did not answer." });
      if (required && !token) return setState({ status: "signed-out", message: "" });
      const check = await checkToken(required ? token : null);
      if (!live) return;
      if (check.ok) return setState({ status: "signed-in", viewer: check.viewer, token: required ? token : null });
      if (!check.unauthenticated) return setState({ status: "unreachable", message: check.message });
      if (token) forgetToken();
      setState({ status: "signed-out", message: check.message });
    });
    return () => {
      live = false;
    };
  }, [attempt]);

  const signIn = useCallback(async (token: string): Promise<string | null> => {
    const check = await checkToken(token);
    if (!check.ok) return check.message || "This token is not accepted.";
    saveToken(token);
    setState({ status: "signed-in", viewer: check.viewer, token });
    return null;
  }, []);

  const signOut = useCallback((message = "") => {
    forgetToken();
    setState((s) => (s.status === "signed-out" ? s : { status: "signed-out", message }));
  }, []);

  const retry = useCallback(() => {
    setState({ status: "checking" });
    setAttempt((n) => n + 1);
  }, []);

  const value = useMemo(() => ({ state, signIn, signOut, retry }), [state, signIn, signOut, retry]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** The signed-in viewer (inside the signed-in part of the console). */
export function useViewer(): Viewer {
  const { state } = useAuth();
  if (state.status !== "signed-in") throw new Error("useViewer while not signed in");
  return state.viewer;
}

/** The console's client for the signed-in token (null until made), disposed when the token changes. */
export function useConsoleClient(token: string | null, onAuthLost: (message: string) => void): ConsoleClient | null {
  const [consoleClient, setConsoleClient] = useState<ConsoleClient | null>(null);
  useEffect(() => {
    const made = createConsoleClient(token, onAuthLost);
    setConsoleClient(made);
    return () => made.dispose();
  }, [token, onAuthLost]);
  return consoleClient;
}
