/** The outbound policy for tests whose test servers listen on 127.0.0.1 (denied by default). */
import { parseOutboundAllow } from "../../src/outbound/settings.js";
import { OutboundPolicy } from "../../src/outbound/policy.js";

/** BATON_OUTBOUND_ALLOW for a test server on 127.0.0.1 (any port). */
export const ALLOW_LOOPBACK = "127.0.0.1";

/** A policy allowing 127.0.0.1 only (as BATON_OUTBOUND_ALLOW=127.0.0.1 does), every other default refusal kept. */
export const loopbackAllowed = (): OutboundPolicy => new OutboundPolicy({ allow: parseOutboundAllow(ALLOW_LOOPBACK) });
