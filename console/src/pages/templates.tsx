/**
 * The plan templates (/templates): every version of each, newest first within a name, with how
 * the plans made from each version went (runs, success, durations).
 */
import { useQuery } from "urql";
import { Link } from "wouter";
import { Time } from "../state-badge.js";
import { ErrorNote, ms, percent } from "./common.js";
import { TemplatesQuery, TemplateStatsQuery } from "./documents.js";

export function TemplatesPage() {
  const [result] = useQuery({ query: TemplatesQuery, requestPolicy: "cache-and-network" });
  const list = result.data?.templates;
  return (
    <section aria-labelledby="templates-title">
      <div className="title-row">
        <h1 id="templates-title">Templates</h1>
        <span className="muted" role="status">
          {list ? `${list.length} ${list.length === 1 ? "version" : "versions"}` : ""}
        </span>
      </div>
      <ErrorNote error={result.error} />
      {list && list.length === 0 && <p className="muted">No template is registered.</p>}
      {list && list.length > 0 && (
        <table className="listing">
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Version</th>
              <th scope="col">Steps</th>
              <th scope="col">Registered</th>
              <th scope="col">Runs</th>
              <th scope="col">Success</th>
              <th scope="col">Median / p95 duration</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id} data-template={`${t.name}@${t.version}`}>
                <td>
                  <Link href={`/plans?template=${encodeURIComponent(`${t.name}@${t.version}`)}`}>{t.name}</Link>
                  {t.builtin && <span className="tag">built in</span>}
                  {t.description && <div className="muted small">{t.description}</div>}
                </td>
                <td>{t.version}</td>
                <td>{t.steps.map((s) => s.key).join(", ")}</td>
                <td>
                  <Time at={t.createdAt} />
                </td>
                <Stats name={t.name} version={t.version} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Stats({ name, version }: { name: string; version: number }) {
  const [result] = useQuery({ query: TemplateStatsQuery, variables: { name, version }, requestPolicy: "cache-and-network" });
  const s = result.data?.templateStats;
  if (result.error) return <td colSpan={3} className="error small">{result.error.message}</td>;
  if (!s) return <td colSpan={3} className="muted">…</td>;
  return (
    <>
      <td>
        {s.runs} ({s.completed} completed, {s.failed} failed, {s.cancelled} cancelled)
      </td>
      <td>{s.runs ? percent(s.successRate) : "—"}</td>
      <td>
        {ms(s.p50DurationMs)} / {ms(s.p95DurationMs)}
      </td>
    </>
  );
}
