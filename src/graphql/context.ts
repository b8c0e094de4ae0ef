import type { Principal } from "../auth/tokens.js";
import type { Coordinator } from "../coordinator/coordinator.js";
import type { ReplaySlot } from "../signals/replays.js";

/** What every resolver gets: the coordinator (writes and reads) and who is asking. */
export interface Context {
  coordinator: Coordinator;
  /** Who is asking: the token's principal; null when no token was sent (only introspection is then allowed). */
  principal: Principal | null;
  /** The name recorded as actor: the principal's name (without authentication: the x-baton-actor header or `actor` connection param, else anonymous). */
  actor: string;
  /** Aborted when the HTTP request's connection closes: ends a long-polling claim. */
  signal?: AbortSignal;
  /** Over WebSocket: the connection's replay slots (BATON_MAX_REPLAYS_PER_*); a signals replay waits for one. */
  replaySlot?: ReplaySlot;
}

export const ANONYMOUS = "anonymous";

/** The actor named by a request header or connection param, trimmed; anonymous when absent. */
export function actorFrom(value: unknown): string {
  return typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, 200) : ANONYMOUS;
}
