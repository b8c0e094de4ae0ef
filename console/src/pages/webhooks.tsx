/**
 * The webhooks (/webhooks): each endpoint, its signal kinds and whether it is active, and the
 * recent deliveries (all, or only the failed ones) with their last status and error.
 */
import { useCallback, useState } from "react";
import { useQuery } from "urql";
import type { WebhookDeliveryStatus } from "../gql/graphql.js";
import { Time } from "../state-badge.js";
import { ErrorNote, useInterval } from "./common.js";
import { WebhookDeliveriesQuery, WebhooksQuery } from "./documents.js";

const DELIVERY_WORDS: Record<WebhookDeliveryStatus, string> = { DELIVERED: "Delivered", FAILED: "Failed", PENDING: "Pending" };

export function WebhooksPage() {
  const [hooks] = useQuery({ query: WebhooksQuery, requestPolicy: "cache-and-network" });
  const [status, setStatus] = useState<WebhookDeliveryStatus | null>(null);
  const [deliveries, read] = useQuery({ query: WebhookDeliveriesQuery, variables: { status }, requestPolicy: "cache-and-network" });
  useInterval(
    useCallback(() => read({ requestPolicy: "network-only" }), [read]),
    5000,
  );
  const list = hooks.data?.webhooks;
  const urls = new Map((list ?? []).map((h) => [h.id, h.url]));
  const rows = [...(deliveries.data?.webhookDeliveries.edges ?? [])].reverse();
  return (
    <section aria-labelledby="webhooks-title">
      <div className="title-row">
        <h1 id="webhooks-title">Webhooks</h1>
      </div>
      <ErrorNote error={hooks.error} />
      {list && list.length === 0 && <p className="muted">No webhook is registered.</p>}
      {list && list.length > 0 && (
        <table className="listing" aria-label="Endpoints">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col">Signals</th>
              <th scope="col">Plan</th>
              <th scope="col">Registered</th>
            </tr>
          </thead>
          <tbody>
            {list.map((h) => (
              <tr key={h.id} data-webhook={h.id}>
                <td className="mono">{h.url}</td>
                <td>{h.active ? "Active" : "Removed"}</td>
                <td>{h.kinds.length ? h.kinds.map((k) => k.toLowerCase().replace(/_/g, " ")).join(", ") : "every kind"}</td>
                <td className="mono small">{h.planId ?? "every plan"}</td>
                <td>
                  <Time at={h.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Recent deliveries</h2>
      <div className="tabs" role="group" aria-label="Deliveries to show">
        {([null, "FAILED", "PENDING", "DELIVERED"] as const).map((s) => (
          <button key={s ?? "all"} type="button" aria-pressed={status === s} onClick={() => setStatus(s)}>
            {s ? DELIVERY_WORDS[s] : "All"}
          </button>
        ))}
      </div>
      <ErrorNote error={deliveries.error} />
      {deliveries.data && rows.length === 0 && <p className="muted">No delivery.</p>}
      {rows.length > 0 && (
        <table className="listing" aria-label="Recent deliveries">
          <thead>
            <tr>
              <th scope="col">Signal</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ node: d }) => (
              <tr key={d.id}>
                <td>
                  #{d.signalSequence} {d.signal ? d.signal.kind.toLowerCase().replace(/_/g, " ") : ""}
                  {d.signal?.stepKey ? ` · ${d.signal.stepKey}` : ""}
                </td>
                <td className="mono small">{urls.get(d.webhookId) ?? d.webhookId}</td>
                <td className={`status-word ${d.status.toLowerCase()}`}>{DELIVERY_WORDS[d.status]}</td>
                <td>{d.attempts}</td>
                <td>
                  {d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : ""} {d.lastError ?? ""}
                </td>
                <td>
                  {d.deliveredAt ? <Time at={d.deliveredAt} /> : d.nextAttemptAt ? <>next try <Time at={d.nextAttemptAt} /></> : <Time at={d.createdAt} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
