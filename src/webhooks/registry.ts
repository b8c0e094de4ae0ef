/** Registering and removing webhooks: validation, the secret, and the rows. */
import { randomBytes } from "node:crypto";
import { badInput, notFound, type Problem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { SignalKind } from "../domain/statuses.js";
import type { Store } from "../store/store.js";
import type { WebhookModel } from "./model.js";

export interface RegisterWebhookRequest {
  url: string;
  kinds: readonly string[];
  planId?: string | null;
}

export interface WebhookRegistration {
  webhook: WebhookModel;
  /** The HMAC key of the signatures: returned here once, never again. */
  secret: string;
}

export const MAX_URL_LENGTH = 2048;
const KINDS = new Set<string>(Object.values(SignalKind));

/** Every problem of a registration request, at once. */
export function webhookProblems(req: RegisterWebhookRequest): Problem[] {
  const problems: Problem[] = [];
  let url: URL | null = null;
  try {
    url = new URL(req.url);
  } catch {
    problems.push({ path: "url", message: "is not a valid absolute URL" });
  }
  if (url && url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push({ path: "url", message: `must be http or https, got ${url.protocol.replace(/:$/, "")}` });
  }
  if (req.url.length > MAX_URL_LENGTH) problems.push({ path: "url", message: `must be at most ${MAX_URL_LENGTH} characters` });
  if (req.kinds.length === 0) problems.push({ path: "kinds", message: "must name at least one signal kind" });
  req.kinds.forEach((k, i) => {
    if (!KINDS.has(k)) problems.push({ path: `kinds[${i}]`, message: `unknown signal kind ${k}` });
  });
  if (req.planId !== undefined && req.planId !== null && req.planId.trim() === "") {
    problems.push({ path: "planId", message: "must not be empty" });
  }
  return problems;
}

/**
 * Registers a webhook for the signals committed from now on. BAD_USER_INPUT for a bad url or
 * kind list, NOT_FOUND for an unknown plan.
 */
export async function registerWebhook(store: Store, now: number, req: RegisterWebhookRequest): Promise<WebhookRegistration> {
  const problems = webhookProblems(req);
  if (problems.length > 0) throw badInput(problems);
  const planId = req.planId ?? null;
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const registered = await store.transact(async (s) => {
    if (planId !== null && !(await s.webhooks.planExists(planId))) throw notFound("plan", planId);
    const webhook: WebhookModel = {
      id: newId("webhook"),
      url: req.url,
      kinds: [...new Set(req.kinds)] as SignalKind[],
      planId,
      fromSequence: await s.signals.head(),
      createdAt: now,
      active: true,
    };
    await s.webhooks.insert({ ...webhook, secret });
    return { webhook, secret };
  });
  store.queries.webhooks.changed(); // committed: the dispatcher reads it now
  return registered;
}

/** Removes a webhook: no new deliveries, pending ones FAILED. False if it was already removed. */
export async function removeWebhook(store: Store, id: string): Promise<boolean> {
  const removed = await store.transact(async (s) => {
    if (!(await s.webhooks.get(id))) throw notFound("webhook", id);
    return s.webhooks.deactivate(id);
  });
  if (removed) store.queries.webhooks.changed(); // committed: the dispatcher reads it now
  return removed;
}
