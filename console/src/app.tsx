/**
 * The console's frame: sign-in when needed, then the routes (client-side; the gateway answers
 * each of them with this page): / and /plans the plans list, /plans/<id> a plan; /plans/new,
 * /agents, /templates, /webhooks, /tokens (admins) and /limits (./pages/).
 */
import { lazy, Suspense } from "react";
import { Provider } from "urql";
import { Link, Redirect, Route, Switch } from "wouter";
import { AuthProvider, useAuth, useConsoleClient, type Viewer } from "./auth.js";
import { PlansPage } from "./plans/list.js";
import { canSteer } from "./roles.js";
import { SignIn } from "./signin.js";

// The plan page (the graph and its layout) loads when first opened: the list stays light.
const PlanPage = lazy(() => import("./plan/page.js").then((m) => ({ default: m.PlanPage })));
// The agents, new plan, templates, webhooks, tokens and limits pages: loaded when first opened.
const AgentsPage = lazy(() => import("./pages/agents.js").then((m) => ({ default: m.AgentsPage })));
const NewPlanPage = lazy(() => import("./pages/new-plan.js").then((m) => ({ default: m.NewPlanPage })));
const TemplatesPage = lazy(() => import("./pages/templates.js").then((m) => ({ default: m.TemplatesPage })));
const WebhooksPage = lazy(() => import("./pages/webhooks.js").then((m) => ({ default: m.WebhooksPage })));
const TokensPage = lazy(() => import("./pages/tokens.js").then((m) => ({ default: m.TokensPage })));
const LimitsPage = lazy(() => import("./pages/limits.js").then((m) => ({ default: m.LimitsPage })));

export function App() {
  return (
    <AuthProvider>
      <Gate />
    </AuthProvider>
  );
}

function Gate() {
  const { state, signOut, retry } = useAuth();
  if (state.status === "checking") return <p className="center muted" role="status">Connecting to the gateway…</p>;
  if (state.status === "unreachable") {
    return (
      <div className="center card" role="alert">
        <h1>The gateway did not answer</h1>
        <p>{state.message}</p>
        <button type="button" onClick={retry}>
          Try again
        </button>
      </div>
    );
  }
  if (state.status === "signed-out") return <SignIn message={state.message} />;
  return <SignedIn token={state.token} viewer={state.viewer} onAuthLost={signOut} />;
}

function SignedIn({ token, viewer, onAuthLost }: { token: string | null; viewer: Viewer; onAuthLost: (message: string) => void }) {
  const consoleClient = useConsoleClient(token, onAuthLost);
  if (!consoleClient) return null;
  return (
    <Provider value={consoleClient.client}>
      <header className="topbar">
        <Link href="/" className="brand">
          Baton
        </Link>
        <nav>
          <Link href="/plans">Plans</Link>
          {canSteer(viewer.role) && <Link href="/plans/new">New plan</Link>}
          <Link href="/agents">Agents</Link>
          <Link href="/templates">Templates</Link>
          <Link href="/webhooks">Webhooks</Link>
          <Link href="/limits">Limits</Link>
          {viewer.role === "ADMIN" && <Link href="/tokens">Tokens</Link>}
          <a href="/graphql">GraphiQL</a>
        </nav>
        <span className="who" data-testid="who">
          {viewer.name} · {viewer.role.toLowerCase()}
          {canSteer(viewer.role) ? "" : " (read only)"}
        </span>
        {token !== null && (
          <button type="button" className="link" onClick={() => onAuthLost("")}>
            Sign out
          </button>
        )}
      </header>
      <main>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Switch>
            <Route path="/" component={PlansPage} />
            <Route path="/plans" component={PlansPage} />
            <Route path="/plans/new" component={NewPlanPage} />
            <Route path="/agents" component={AgentsPage} />
            <Route path="/templates" component={TemplatesPage} />
            <Route path="/webhooks" component={WebhooksPage} />
            <Route path="/tokens" component={TokensPage} />
            <Route path="/limits" component={LimitsPage} />
            <Route path="/plans/:id">{(params) => <PlanPage id={decodeURIComponent(params.id)} />}</Route>
            <Route path="/signin">
              <Redirect to="/" />
            </Route>
            <Route>
              <p>
                Nothing here. <Link href="/">Back to the plans.</Link>
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </Provider>
  );
}
