/**
 * The agents (/agents): each with its roles, online or offline in words, the steps it holds now
 * (its leases: plan, step, attempt and for how long) with the age of its last heartbeat, and how
 * its attempts went. Read again every two seconds: an agent's heartbeats are not signals.
 */
import { useCallback } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { AgentsQuery, RunningStepsQuery } from "./documents.js";
import { ago, duration, ErrorNote, ms, percent, useInterval, useNow } from "./common.js";

const STATUS_WORDS: Record<string, string> = { ONLINE: "Online", OFFLINE: "Offline", DRAINING: "Draining" };

export function AgentsPage() {
  const [agents, readAgents] = useQuery({ query: AgentsQuery, requestPolicy: "cache-and-network" });
  const [running, readRunning] = useQuery({ query: RunningStepsQuery, requestPolicy: "cache-and-network" });
  useInterval(
    useCallback(() => {
      readAgents({ requestPolicy: "network-only" });
      readRunning({ requestPolicy: "network-only" });
    }, [readAgents, readRunning]),
    2000,
  );
  const now = useNow();
  const leases = new Map<string, { planId: string; planName: string; key: string; attempt: number; startedAt: string | null | undefined }[]>();
  for (const { node: plan } of running.data?.plans.edges ?? []) {
    for (const step of plan.steps) {
      if (step.state !== "RUNNING" || !step.agent) continue;
      const list = leases.get(step.agent.id) ?? [];
      list.push({ planId: plan.id, planName: plan.name, key: step.key, attempt: step.attempts, startedAt: step.startedAt });
      leases.set(step.agent.id, list);
    }
  }
  const list = agents.data?.agents;
  return (
    <section aria-labelledby="agents-title">
      <div className="title-row">
        <h1 id="agents-title">Agents</h1>
        <span className="muted" role="status">
          {list ? `${list.filter((a) => a.status === "ONLINE").length} online of ${list.length}` : ""}
        </span>
      </div>
      <ErrorNote error={agents.error ?? running.error} />
      {list && list.length === 0 && <p className="muted">No agent has registered.</p>}
      {list && list.length > 0 && (
        <table className="listing">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Current leases</th>
              <th scope="col">Attempts</th>
              <th scope="col">Success</th>
              <th scope="col">Median / p95</th>
            </tr>
          </thead>
          <tbody>
            {list.map((agent) => {
              const held = leases.get(agent.id) ?? [];
              return (
                <tr key={agent.id} data-agent={agent.name} data-status={agent.status}>
                  <td>
                    {agent.name}
                    {agent.builtin && <span className="tag">built in</span>}
                    <div className="muted small mono">{agent.id}</div>
                  </td>
                  <td>
                    {agent.roles.map((r) => (
                      <span key={r} className="tag">
                        {r}
                      </span>
                    ))}
                  </td>
                  <td>
                    <span className={`status-word ${agent.status.toLowerCase()}`}>
                      <span aria-hidden="true">{agent.status === "ONLINE" ? "● " : "○ "}</span>
                      {STATUS_WORDS[agent.status] ?? agent.status}
                    </span>
                  </td>
                  <td data-testid="heartbeat">{agent.builtin ? <span className="muted">inside the gateway</span> : ago(agent.lastSeenAt, now)}</td>
                  <td data-testid="leases">
                    {agent.activeLeases} of {agent.concurrency}
                    {held.length > 0 && (
                      <ul className="leases">
                        {held.map((l) => (
                          <li key={`${l.planId}/${l.key}`}>
                            <Link href={`/plans/${encodeURIComponent(l.planId)}?step=${encodeURIComponent(l.key)}`}>
                              {l.planName} · {l.key}
                            </Link>{" "}
                            <span className="muted small">
                              attempt {l.attempt}
                              {l.startedAt ? `, running for ${duration(now - new Date(l.startedAt).getTime())}` : ""}
                            </span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {agent.stats ? `${agent.stats.completed} done, ${agent.stats.failed} failed` : "—"}
                  </td>
                  <td>{agent.stats && agent.stats.completed + agent.stats.failed > 0 ? percent(agent.stats.successRate) : "—"}</td>
                  <td>
                    {ms(agent.stats?.p50Ms)} / {ms(agent.stats?.p95Ms)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
