/**
 * A mutation document of several reports (`c0: completeStep(…) c1: failStep(…)`, the standard
 * GraphQL way to batch) commits them in one transaction, as `reportMany` does. GraphQL runs a
 * mutation's fields one after another, each waiting for the one before, so each alias would be a
 * transaction of its own: instead, when the first report field runs, every report field of the
 * document is sent at once (the coordinator groups the calls of one event-loop turn,
 * src/coordinator/batcher.ts) and each field then answers with its own result.
 *
 * Only a document whose top-level fields are all plain `completeStep`/`failStep` fields (no
 * fragment, no directive) is grouped; anything else runs field by field as usual. Each report is
 * checked for the caller as its own field would be (`ownLease`); a refused one is refused alone.
 */
import { getArgumentValues, Kind, type FieldNode, type GraphQLResolveInfo, type OperationDefinitionNode } from "graphql";
import type { Json } from "../../domain/model.js";
import type { StepDraft } from "../../engine/validate.js";
import type { Report, ReportedError, StepResult } from "../../coordinator/requests.js";
import { ownLease } from "../access.js";
import type { Context } from "../context.js";

const REPORTS = new Set(["completeStep", "failStep"]);

/** The results of a grouped document's reports, by field node: made once per operation. */
const groups = new WeakMap<Context, WeakMap<OperationDefinitionNode, Map<FieldNode, Promise<StepResult>>>>();

/** The report fields of the operation when it is made only of them (at least two), else null. */
function reportFields(operation: OperationDefinitionNode): FieldNode[] | null {
  if (operation.operation !== "mutation") return null;
  const fields: FieldNode[] = [];
  for (const s of operation.selectionSet.selections) {
    if (s.kind !== Kind.FIELD || !REPORTS.has(s.name.value) || (s.directives?.length ?? 0) > 0) return null;
    fields.push(s);
  }
  return fields.length > 1 ? fields : null;
}

/**
 * This field's result when the document's reports are grouped (all of them sent on the first
 * call), or null when the field is to run on its own.
 */
export function groupedReport(ctx: Context, info: GraphQLResolveInfo): Promise<StepResult> | null {
  const fields = reportFields(info.operation);
  if (!fields) return null;
  let byOperation = groups.get(ctx);
  if (!byOperation) groups.set(ctx, (byOperation = new WeakMap()));
  let results = byOperation.get(info.operation);
  if (!results) {
    const sent = sendAll(ctx, info, fields);
    if (!sent) return null;
    byOperation.set(info.operation, (results = sent));
  }
  return results.get(info.fieldNodes[0]!) ?? null;
}

type Args = { leaseId: string; output?: Json; quality?: number | null; addSteps?: StepDraft[] | null; error?: ReportedError };

function sendAll(ctx: Context, info: GraphQLResolveInfo, fields: FieldNode[]): Map<FieldNode, Promise<StepResult>> | null {
  const mutation = info.schema.getMutationType()!.getFields();
  let args: Args[];
  try {
    args = fields.map((f) => getArgumentValues(mutation[f.name.value]!, f, info.variableValues) as Args);
  } catch {
    return null; // bad arguments: each field runs alone and reports its own error
  }
  const sent = sendReports(
    ctx,
    args.map((a, i): Report => (fields[i]!.name.value === "completeStep" ? { kind: "complete", leaseId: a.leaseId, output: a.output ?? null, quality: a.quality ?? null, addSteps: a.addSteps ?? null } : { kind: "fail", leaseId: a.leaseId, error: a.error! })),
  );
  const results = new Map<FieldNode, Promise<StepResult>>();
  fields.forEach((f, i) => {
    const result = sent[i]!;
    result.catch(() => undefined); // answered by its field (or by none if an earlier field ended the document)
    results.set(f, result);
  });
  return results;
}

/**
 * Checks each report for the caller (`ownLease`), then sends every report in the same turn, so
 * that they commit together (src/coordinator/batcher.ts): one result per report, in order; a
 * report that fails its check is refused alone. Used by aliased documents and by completeSteps /
 * failSteps (./report-batch.resolver.ts).
 */
export function sendReports(ctx: Context, reports: readonly Report[]): Promise<StepResult>[] {
  const checked = Promise.allSettled(reports.map((r) => ownLease(ctx, r.leaseId)));
  return reports.map((r, i) =>
    checked.then((c) => {
      const check = c[i]!;
      if (check.status === "rejected") throw check.reason;
      return r.kind === "complete" ? ctx.coordinator.complete(r.leaseId, r.output, r.quality ?? null, r.addSteps ?? null) : ctx.coordinator.fail(r.leaseId, r.error);
    }),
  );
}
