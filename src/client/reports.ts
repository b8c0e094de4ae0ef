/**
 * An agent's reports, sent together: the completions its tasks make within `lingerMs` of the
 * first go in one `completeSteps` request (failures in one `failSteps`), at most 100 each, and
 * each report is answered alone — resolved once saved, or rejected with its own refusal (a
 * BatonClientError with the code completeStep would have answered) or with the error of the whole
 * request (the gateway could not be reached: every report of it may be sent again).
 *
 * A request refused as a whole (a value the gateway cannot take) is sent again report by report;
 * a gateway that does not know these mutations (an older version) gets single reports from then on.
 */
import type { BatonClient } from "./client.js";
import { BatonClientError, isBatonClientError } from "./errors.js";
import { CompleteStepDocument, CompleteStepsDocument, FailStepDocument, FailStepsDocument, type StepCompletionInput, type StepFailureInput } from "./generated/graphql.js";

/** Most reports in one request (the gateway's limit). */
const MAX_REPORTS = 100;

interface Waiting<R> {
  report: R;
  resolve: () => void;
  reject: (e: unknown) => void;
}

type Refusal = { leaseId: string; refusal: { code: string; message: string } | null };

/** Reports of one kind gathered for `lingerMs`, then sent in one request. */
class Queue<R extends { leaseId: string }> {
  private waiting: Waiting<R>[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly lingerMs: number,
    private readonly sendMany: (reports: R[]) => Promise<Refusal[]>,
    private readonly sendOne: (report: R) => Promise<unknown>,
    private readonly bulk: () => boolean,
  ) {}

  add(report: R): Promise<void> {
    if (!this.bulk()) return this.sendOne(report).then(() => undefined);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ report, resolve, reject });
      if (this.waiting.length >= MAX_REPORTS) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const group = this.waiting.splice(0, MAX_REPORTS);
    if (group.length === 0) return;
    void this.sendMany(group.map((w) => w.report)).then(
      (answers) =>
        group.forEach((w, i) => {
          const refusal = answers[i]?.refusal;
          if (refusal) w.reject(new BatonClientError(refusal.message, { code: refusal.code, errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }));
          else w.resolve();
        }),
      (e: unknown) => {
        // The request as a whole was refused (a value the gateway cannot take, or no bulk
        // mutations): each report is sent alone, so that it gets its own answer. Anything else
        // (the gateway could not be reached) reaches every report, to be sent again.
        if (isBatonClientError(e, "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")) for (const w of group) this.sendOne(w.report).then(() => w.resolve(), w.reject);
        else for (const w of group) w.reject(e);
      },
    );
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
  }
}

/** A completion sent alone (completeStep). */
export const completeOne = (client: BatonClient, r: StepCompletionInput): Promise<unknown> =>
  client.request(CompleteStepDocument, { leaseId: r.leaseId, output: r.output ?? null, quality: r.quality ?? null, addSteps: r.addSteps ?? null });

/** A failure sent alone (failStep). */
export const failOne = (client: BatonClient, r: StepFailureInput): Promise<unknown> => client.request(FailStepDocument, { leaseId: r.leaseId, error: r.error });

export class ReportSender {
  private readonly completions: Queue<StepCompletionInput>;
  private readonly failures: Queue<StepFailureInput>;
  /** False once the gateway refused the bulk mutations as unknown: single reports from then on. */
  private bulk = true;

  constructor(client: BatonClient, lingerMs = 2) {
    const bulk = (): boolean => this.bulk;
    const unknown = (e: unknown): never => {
      if (isBatonClientError(e, "GRAPHQL_VALIDATION_FAILED")) this.bulk = false;
      throw e;
    };
    this.completions = new Queue(
      lingerMs,
      async (reports) => (await client.request(CompleteStepsDocument, { reports }).catch(unknown)).completeSteps,
      (r) => completeOne(client, r),
      bulk,
    );
    this.failures = new Queue(
      lingerMs,
      async (reports) => (await client.request(FailStepsDocument, { reports }).catch(unknown)).failSteps,
      (r) => failOne(client, r),
      bulk,
    );
  }

  /** Completes the lease's attempt (with the others of this moment). */
  complete(report: StepCompletionInput): Promise<void> {
    return this.completions.add(report);
  }

  /** Fails the lease's attempt (with the others of this moment). */
  fail(report: StepFailureInput): Promise<void> {
    return this.failures.add(report);
  }
}
