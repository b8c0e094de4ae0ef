/**
 * `baton plan create|get|list|watch` and `baton agents`: plans and agents from the terminal,
 * through the typed client (src/client), against any gateway: --url / BATON_URL (default the
 * local one on BATON_PORT) with --token / BATON_TOKEN (default, for a local gateway only, the
 * admin token file beside BATON_DB, so that `baton plan list` just works on the gateway's machine).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { createClient, endpoints, type BatonClient } from "../client/client.js";
import { BatonClientError, isConnectionLoss } from "../client/errors.js";
import { nextDelay, sleep } from "../client/util.js";
import {
  CliAgentsDocument,
  CliPlanDocument,
  CliPlanEvaluationDocument,
  CliPlansDocument,
  CliPlanStatusDocument,
  CreatePlanDocument,
  SignalsDocument,
  type CreatePlanInput,
  type PlanState as PlanStateName,
  type SignalKind,
} from "../client/generated/graphql.js";
import { loadConfig } from "../config.js";
import { isFinalPlanState, PlanState } from "../domain/statuses.js";
import { formatMs } from "../insight/regression.js";
import { agentTable, LiveView, planDetails, planTable, summary, watchLines, type Evaluation, type PlanStatus } from "./render.js";
import { UsageError } from "./tokens.js";

export const PLAN_USAGE = `usage: baton plan create --file <plan.yaml|plan.json> [--start false]
       baton plan get <plan id> [--json]
       baton plan list [--state <STATE>[,<STATE>...]] [--first <N>] [--json]
       baton plan watch <plan id>
       baton agents [--json]
every one also takes --url <graphql endpoint> (BATON_URL) and --token <token> (BATON_TOKEN)`;

type OptionKind = "string" | "boolean";
type Values = Record<string, string | boolean | undefined>;

const CONNECTION: Record<string, OptionKind> = { url: "string", token: "string" };

/** The command's options (plus --url and --token) and exactly `positionals` positional arguments, or a UsageError. */
function parseCommand(args: string[], options: Record<string, OptionKind>, positionals: string[]): Values {
  let parsed: { values: Values; positionals: string[] };
  try {
    const spec = Object.fromEntries(Object.entries({ ...CONNECTION, ...options }).map(([name, type]) => [name, { type }]));
    parsed = parseArgs({ args, options: spec, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${PLAN_USAGE}`);
  }
  if (parsed.positionals.length !== positionals.length) {
    const wanted = positionals.length === 0 ? "no argument" : positionals.map((p) => `<${p}>`).join(" ");
    throw new UsageError(`expected ${wanted}, got ${parsed.positionals.length === 0 ? "none" : parsed.positionals.join(" ")}\n${PLAN_USAGE}`);
  }
  positionals.forEach((name, i) => (parsed.values[name] = parsed.positionals[i]));
  return parsed.values;
}

const isLoopback = (url: URL): boolean => ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || url.hostname.startsWith("127.");

/**
 * The gateway and the token to use. The admin token file is read only for a gateway on this
 * machine: a local admin token is never sent to a remote server because BATON_TOKEN was unset.
 */
export function connection(values: Values, env: NodeJS.ProcessEnv = process.env): { url: string; token: string | undefined } {
  const given = (values["url"] as string | undefined) || env["BATON_URL"] || undefined;
  const url = given ?? `http://127.0.0.1:${loadConfig(env).port || 4000}/graphql`;
  // Several gateways of one deployment, separated by commas: the client moves on when one is lost.
  const list = url.split(",").filter((u) => u.trim() !== "");
  if (list.length === 0) throw new UsageError(`no URL in "${url}" (--url or BATON_URL)`);
  const parsed = endpoints(list).map((u) => {
    let p: URL;
    try {
      p = new URL(u);
    } catch {
      throw new UsageError(`not a URL: "${u}" (--url or BATON_URL, e.g. http://127.0.0.1:4000/graphql, or several separated by commas)`);
    }
    if (p.protocol !== "http:" && p.protocol !== "https:") throw new UsageError(`the URL must be http: or https:, got "${u}"`);
    return p;
  });
  const token = (values["token"] as string | undefined) || env["BATON_TOKEN"] || undefined;
  if (token !== undefined || !parsed.every(isLoopback)) return { url, token };
  const file = loadConfig(env).adminTokenFile;
  try {
    return { url, token: file ? readFileSync(file, "utf8").trim() || undefined : undefined };
  } catch {
    return { url, token: undefined }; // no file, or not ours to read: the server will say UNAUTHENTICATED
  }
}

/** Runs `use` with a client for the gateway the options name, and closes it. */
async function withClient<T>(values: Values, use: (client: BatonClient) => Promise<T>): Promise<T> {
  const client = createClient(connection(values));
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

const notFound = (id: string): BatonClientError => new BatonClientError(`no plan ${id}`, { code: "NOT_FOUND" });

const printJson = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/**
 * A finished plan's evaluation, or null: before it finishes, and from a gateway that has no
 * evaluation (or fails to compute it) — it only adds a line to what is shown.
 */
async function evaluationOf(client: BatonClient, id: string): Promise<Evaluation | null> {
  try {
    return (await client.request(CliPlanEvaluationDocument, { id })).plan?.evaluation ?? null;
  } catch (e) {
    if (e instanceof BatonClientError) return null;
    throw e;
  }
}

const FILE_ERRORS: Record<string, string> = { ENOENT: "no such file", EACCES: "permission denied", EISDIR: "it is a directory" };

/** The plan file: a CreatePlanInput in YAML or JSON (JSON is YAML). */
export function readPlanFile(file: string): CreatePlanInput {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new Error(`cannot read ${file}: ${FILE_ERRORS[code] ?? (e as Error).message}`);
  }
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (e) {
    throw new Error(`${file} is not valid YAML or JSON: ${(e as Error).message.split("\n")[0]!.replace(/:$/, "")}`);
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new Error(`${file} must hold one plan (a mapping with name and steps or template), got ${Array.isArray(input) ? "a list" : input === null ? "nothing" : typeof input}`);
  }
  return input as CreatePlanInput;
}

async function create(args: string[]): Promise<void> {
  const values = parseCommand(args, { file: "string", start: "string" }, []);
  const file = values["file"] as string | undefined;
  if (!file) throw new UsageError(`plan create needs --file <plan.yaml|plan.json>\n${PLAN_USAGE}`);
  const start = values["start"] as string | undefined;
  if (start !== undefined && start !== "true" && start !== "false") throw new UsageError(`--start must be true or false, got "${start}"`);
  const input = readPlanFile(file);
  if (start !== undefined) input.start = start === "true";
  const { createPlan: plan } = await withClient(values, (client) => client.request(CreatePlanDocument, { input }));
  process.stdout.write(`${plan.id}\n`);
  process.stderr.write(`plan ${plan.id} "${plan.name}" created: ${plan.state} (follow it with: baton plan watch ${plan.id})\n`);
}

async function get(args: string[]): Promise<void> {
  const values = parseCommand(args, { json: "boolean" }, ["plan id"]);
  const id = values["plan id"] as string;
  await withClient(values, async (client) => {
    const { plan } = await client.request(CliPlanDocument, { id });
    if (!plan) throw notFound(id);
    const evaluation = isFinalPlanState(plan.state) ? await evaluationOf(client, id) : null;
    if (values["json"]) printJson({ ...plan, evaluation });
    else process.stdout.write(`${planDetails(plan, evaluation)}\n`);
  });
}

async function list(args: string[]): Promise<void> {
  const values = parseCommand(args, { state: "string", first: "string", json: "boolean" }, []);
  const states = (values["state"] as string | undefined)?.split(",").map((s) => s.trim().toUpperCase());
  const unknown = states?.find((s) => !(s in PlanState));
  if (unknown !== undefined) throw new UsageError(`--state must be among ${Object.keys(PlanState).join(", ")}, got "${unknown}"`);
  const first = values["first"] === undefined ? 50 : Number(values["first"]);
  if (!Number.isInteger(first) || first < 1 || first > 500) throw new UsageError(`--first must be a whole number from 1 to 500, got "${values["first"]}"`);
  const filter = states ? { states: states as PlanStateName[] } : null;
  const { plans } = await withClient(values, (client) => client.request(CliPlansDocument, { filter, first }));
  const nodes = plans.edges.map((e) => e.node);
  if (values["json"]) return printJson(nodes);
  process.stdout.write(`${planTable(nodes)}\n`);
  if (plans.totalCount > nodes.length) process.stderr.write(`${nodes.length} of ${plans.totalCount} plans shown (--first)\n`);
}

async function agents(args: string[]): Promise<void> {
  const values = parseCommand(args, { json: "boolean" }, []);
  const { agents } = await withClient(values, (client) => client.request(CliAgentsDocument, {}));
  if (values["json"]) printJson(agents);
  else process.stdout.write(`${agentTable(agents)}\n`);
}

/** The signals that can change a step's or the plan's state: each one makes the watch read the plan again. */
const STATE_SIGNALS: SignalKind[] = [
  "PLAN_STARTED", "PLAN_PAUSED", "PLAN_RESUMED", "PLAN_COMPLETED", "PLAN_FAILED", "PLAN_CANCELLED", "PLAN_COMPENSATING", "PLAN_COMPENSATED",
  "STEP_READY", "STEP_STARTED", "STEP_SUCCEEDED", "STEP_FAILED", "STEP_SKIPPED", "STEP_CANCELLED", "STEP_COMPENSATED", "STEP_RETRY_SCHEDULED", "STEP_TIMED_OUT",
  "INTERVENTION_APPLIED",
];

/** How long `plan watch` keeps trying to get its gateway back before it gives up. */
export const RECONNECT_FOR_MS = 5 * 60_000;

/**
 * Follows a plan until it is finished; resolves with it as last read. The signals
 * (replay from the start, then live) only say when to look: each burst of them makes one read
 * of the plan, whose steps and waves are the truth shown (a transition re-runs steps without a
 * signal of their own; dynamic steps add waves). A read is made while the previous one is
 * answered only if signals came meanwhile, so a long replay costs a few reads, not one per signal.
 * When the gateway goes away (a restart, a dropped network) the watch says so on stderr, tries
 * again with backoff for up to RECONNECT_FOR_MS, reads the plan once it answers and resubscribes
 * after the last signal it saw: nothing is missed and nothing is shown twice.
 */
async function follow(client: BatonClient, id: string, show: (plan: PlanStatus) => void): Promise<PlanStatus> {
  let ended = false;
  let dirty = false;
  let reading = false;
  let after = 0;
  let settle!: { resolve: (plan: PlanStatus) => void; reject: (e: unknown) => void };
  const finished = new Promise<{ plan: PlanStatus }>((resolve, reject) => (settle = { resolve: (plan) => resolve({ plan }), reject }));
  finished.catch(() => undefined); // raced below; this only keeps a failure after the loop from going unhandled
  /** The plan as the gateway has it now; it ends the watch when the plan is finished. */
  const readOnce = async (): Promise<void> => {
    const { plan } = await client.request(CliPlanStatusDocument, { id });
    if (!plan) throw notFound(id);
    show(plan);
    if (isFinalPlanState(plan.state)) {
      ended = true;
      settle.resolve(plan);
    }
  };
  const read = async (): Promise<void> => {
    reading = true;
    try {
      while (dirty && !ended) {
        dirty = false;
        await readOnce();
      }
    } catch (e) {
      if (isConnectionLoss(e)) dirty = true; // the subscription breaks too; reading again is part of getting back
      else {
        ended = true;
        settle.reject(e);
      }
    } finally {
      reading = false;
    }
  };
  /** Until the gateway answers again (or the plan turns out finished); throws after RECONNECT_FOR_MS. */
  const reconnect = async (lost: BatonClientError): Promise<void> => {
    process.stderr.write(`lost the gateway (${lost.message}); reconnecting\n`);
    const giveUpAt = Date.now() + RECONNECT_FOR_MS;
    for (let delay = nextDelay(0); ; delay = nextDelay(delay)) {
      await sleep(delay);
      try {
        await readOnce();
        process.stderr.write("reconnected\n");
        return;
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        if (Date.now() >= giveUpAt) throw new Error(`gave up on the gateway after ${formatMs(RECONNECT_FOR_MS)}: ${(e as Error).message}`, { cause: e });
      }
    }
  };
  while (!ended) {
    const signals = client.subscribe(SignalsDocument, { planId: id, kinds: STATE_SIGNALS, afterSequence: after });
    let lost: BatonClientError | null = null;
    try {
      for (;;) {
        const next = await Promise.race([signals.next(), finished]);
        if ("plan" in next) return next.plan;
        if (next.done) throw new Error(`the signal stream of plan ${id} ended before the plan finished`);
        after = next.value.signals.sequence;
        dirty = true;
        if (!reading) void read();
      }
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      lost = e as BatonClientError;
    } finally {
      await signals.return?.();
    }
    await reconnect(lost);
  }
  return (await finished).plan;
}

/** `baton plan watch <id>`: live progress per wave, then a summary; exit code 0 if the plan COMPLETED, else 1. */
async function watch(args: string[]): Promise<void> {
  const values = parseCommand(args, {}, ["plan id"]);
  const id = values["plan id"] as string;
  const view = new LiveView(process.stdout);
  const show = (plan: PlanStatus): void => view.update(watchLines(plan));
  await withClient(values, async (client) => {
    let { plan } = await client.request(CliPlanStatusDocument, { id });
    if (!plan) throw notFound(id);
    show(plan);
    if (!isFinalPlanState(plan.state)) plan = await follow(client, id, show);
    process.stdout.write(`${summary(plan, await evaluationOf(client, id))}\n`);
    process.exitCode = plan.state === "COMPLETED" ? 0 : 1;
  });
}

/** `baton plan <sub> ...`. */
export function planCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const run = new Map([["create", create], ["get", get], ["list", list], ["watch", watch]]).get(sub ?? "");
  if (!run) throw new UsageError(sub === undefined ? PLAN_USAGE : `unknown plan command "${sub}"\n${PLAN_USAGE}`);
  return explained(run(rest));
}

/** `baton agents [--json]`. */
export const agentsCommand = (args: string[]): Promise<void> => explained(agents(args));

/**
 * A failed request as one line: `<CODE>: <message>` for the gateway's errors (UNAUTHENTICATED,
 * NOT_FOUND, BAD_USER_INPUT...), the client's message alone when the gateway could not be
 * reached (`cannot reach <url>: ...`) or the connection closed.
 */
async function explained(command: Promise<void>): Promise<void> {
  try {
    await command;
  } catch (e) {
    if (!(e instanceof BatonClientError)) throw e;
    throw new Error(e.errors.length > 0 || e.code === "NOT_FOUND" ? `${e.code}: ${e.message}` : e.message, { cause: e });
  }
}
