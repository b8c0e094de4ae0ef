/**
 * The outbound policy: where the gateway's own HTTP requests may go (builtin.http, prefetch,
 * webhooks). Plans, agents (addSteps) and webhook registrations name URLs, so without it the
 * gateway would fetch its own loopback services, the private network or a cloud metadata
 * endpoint for anyone who may create a plan, and hand the answer (or the connection error, a
 * port scanner) back in the step's output.
 *
 * A destination is refused unless each address it connects to is public unicast: loopback,
 * private (RFC 1918), carrier-grade NAT (100.64/10), link-local (169.254/16 with the metadata
 * address, fe80::/10), unique-local (fc00::/7), unspecified, multicast, broadcast and reserved
 * ranges, IPv6 forms embedding IPv4 (mapped, NAT64, 6to4, Teredo) are all refused, as are
 * metadata host names. The check runs where the connection is made — an undici connector that
 * resolves the name, checks every address and connects to the checked one (no second lookup to
 * rebind) — so each redirect hop and each new connection is checked, whatever form the URL wrote
 * the address in. `BATON_OUTBOUND_ALLOW` (src/config.ts) names the exceptions.
 */
import { lookup as dnsLookup } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector, fetch, Headers, type Dispatcher, type RequestInit, type Response } from "undici";

/** One entry of the allow-list (BATON_OUTBOUND_ALLOW). */
export type OutboundAllowEntry =
  /** A host name or IP address (normalised), on any port or on `port` only. */
  | { kind: "host"; host: string; port: number | null }
  /** Every subdomain of `suffix` (not `suffix` itself), on any port or on `port` only. */
  | { kind: "suffix"; suffix: string; port: number | null }
  /** Every address in the range, on any port. */
  | { kind: "cidr"; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; text: string };

/** Host names of cloud metadata services, refused whatever they resolve to (unless allowed by name). */
const METADATA_HOSTS: ReadonlySet<string> = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.com",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** The stable failure type of a request the policy refused. */
export const OUTBOUND_BLOCKED = "OUTBOUND_BLOCKED";

/**
 * A request refused by the policy. `message` is safe to show to whoever wrote the URL (it says
 * nothing the URL does not); `reason` says why (the address and its range) and is for the log.
 */
export class OutboundBlockedError extends Error {
  readonly code = OUTBOUND_BLOCKED;
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host} is not an allowed destination: blocked by the outbound policy (BATON_OUTBOUND_ALLOW lists the exceptions)`);
    this.name = "OutboundBlockedError";
  }
}

/** The OutboundBlockedError in an error's cause chain (fetch wraps the connector's), else null. */
export function outboundBlocked(e: unknown): OutboundBlockedError | null {
  for (let c = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if (c instanceof OutboundBlockedError) return c;
  }
  return null;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, order: "verbatim" }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** A host as compared: lower case, without brackets or a trailing dot; IP addresses in normal form. */
export function normalizeHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  return ipaddr.isValid(h) && isIP(h) ? ipaddr.process(h).toString() : h;
}

/** Why an address may not be connected to (its range), or null for a public unicast address. */
export function addressRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return "not an IP address";
  }
  const range = parsed.range();
  return range === "unicast" ? null : range;
}

export interface OutboundPolicyOptions {
  /** The exceptions (BATON_OUTBOUND_ALLOW); none by default. */
  allow?: readonly OutboundAllowEntry[];
  /** Resolves host names (tests); dns.lookup by default. */
  resolver?: Resolver;
  /** Connect timeout of the dispatcher, default 10 s. */
  connectTimeoutMs?: number;
}

export class OutboundPolicy {
  readonly allow: readonly OutboundAllowEntry[];
  private readonly resolver: Resolver;
  private readonly connectTimeoutMs: number;
  private agent: Agent | null = null;

  constructor(o: OutboundPolicyOptions = {}) {
    this.allow = o.allow ?? [];
    this.resolver = o.resolver ?? systemResolver;
    this.connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  }

  /** Whether `host` (normalised) on `port` is on the allow-list by name (CIDR entries match addresses). */
  private allowedByName(host: string, port: number): boolean {
    return this.allow.some((e) =>
      e.kind === "host" ? e.host === host && (e.port === null || e.port === port) : e.kind === "suffix" ? host.endsWith(`.${e.suffix}`) && (e.port === null || e.port === port) : false,
    );
  }

  private allowedAddress(address: string): boolean {
    const a = ipaddr.process(address);
    return this.allow.some((e) => e.kind === "cidr" && e.range[0].kind() === a.kind() && a.match(e.range));
  }

  /** The range that keeps an address out (loopback, private…), or null when it may be connected to. */
  private addressRefusal(address: string): string | null {
    const range = addressRange(address);
    return range === null || this.allowedAddress(address) ? null : range;
  }

  /**
   * What the URL itself says, before any connection: a scheme other than http(s), credentials
   * in it, a metadata host name, an address literal out of bounds. Throws OutboundBlockedError.
   */
  checkUrl(url: string | URL): URL {
    const u = typeof url === "string" ? new URL(url) : url;
    const host = normalizeHost(u.hostname);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new OutboundBlockedError(u.protocol, `scheme ${u.protocol} is not http(s)`);
    if (u.username || u.password) throw new OutboundBlockedError(host, "the URL carries credentials");
    const port = Number(u.port) || (u.protocol === "https:" ? 443 : 80);
    if (this.allowedByName(host, port)) return u;
    if (METADATA_HOSTS.has(host)) throw new OutboundBlockedError(host, "a metadata service host name");
    if (host === "localhost" || host.endsWith(".localhost")) throw new OutboundBlockedError(host, "a loopback host name");
    if (isIP(host)) {
      const range = this.addressRefusal(host);
      if (range) throw new OutboundBlockedError(host, `a ${range} address`);
    }
    return u;
  }

  /**
   * The address to connect to for `hostname`:`port`, after resolving it: every address the name
   * has must be allowed (a name with one private address among public ones is refused), and the
   * first one is used. Throws OutboundBlockedError, or the resolver's own error (ENOTFOUND…).
   */
  async resolve(hostname: string, port: number): Promise<string> {
    const host = normalizeHost(hostname);
    const byName = this.allowedByName(host, port);
    if (!byName && (METADATA_HOSTS.has(host) || host === "localhost" || host.endsWith(".localhost"))) {
      throw new OutboundBlockedError(host, "a metadata or loopback host name");
    }
    if (isIP(host)) {
      const range = byName ? null : this.addressRefusal(host);
      if (range) throw new OutboundBlockedError(host, `a ${range} address`);
      return host;
    }
    const addresses = await this.resolver(host);
    if (addresses.length === 0) throw new Error(`${host} has no address`);
    if (!byName) {
      for (const { address } of addresses) {
        const range = this.addressRefusal(address);
        if (range) throw new OutboundBlockedError(host, `resolves to ${address}, a ${range} address`);
      }
    }
    return addresses[0]!.address;
  }

  /**
   * The undici dispatcher every outgoing request must use: its connector checks each connection
   * (each redirect hop opens its own) and connects to the checked address, keeping the name for
   * TLS (SNI and certificate) and the Host header.
   */
  get dispatcher(): Dispatcher {
    if (this.agent) return this.agent;
    const base = buildConnector({ timeout: this.connectTimeoutMs });
    const connect: buildConnector.connector = (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === "https:" ? 443 : 80);
      this.resolve(opts.hostname, port).then(
        (address) => {
          // `host` keeps the name: undici derives the TLS server name from it.
          base({ ...opts, hostname: address }, callback);
        },
        (err: Error) => callback(err, null),
      );
    };
    this.agent = new Agent({ connect });
    return this.agent;
  }

  /** Closes the dispatcher's connections. */
  async close(): Promise<void> {
    const a = this.agent;
    this.agent = null;
    await a?.close();
  }
}

/** Status codes fetch follows. */
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers never carried to another origin by a redirect (besides those the caller names). */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

export class TooManyRedirectsError extends Error {
  constructor(readonly max: number) {
    super(`more than ${max} redirects`);
    this.name = "TooManyRedirectsError";
  }
}

export interface OutboundFetchOptions {
  /** Redirects followed at most (0: a 3xx is returned as it is). */
  maxRedirects: number;
  /** Header names (lower case) dropped when a redirect leaves the origin, besides the credential ones. */
  sensitiveHeaders?: readonly string[];
}

/**
 * undici's fetch through the policy: the URL and each redirect's target are checked before the
 * request (checkUrl) and each connection by the dispatcher. Redirects are followed here, at
 * most `maxRedirects`, as fetch would (303, and 301/302 after a POST, become a GET without a
 * body); a hop to another origin drops the credential and `sensitiveHeaders` headers.
 * Throws OutboundBlockedError (possibly as fetch's TypeError's cause: use outboundBlocked()),
 * TooManyRedirectsError, or what fetch throws.
 */
export async function outboundFetch(policy: OutboundPolicy, url: string, init: Omit<RequestInit, "redirect" | "dispatcher">, o: OutboundFetchOptions): Promise<Response> {
  let current = policy.checkUrl(url);
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  let headers = new Headers(init.headers);
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, { ...init, method, body, headers, redirect: "manual", dispatcher: policy.dispatcher });
    const location = res.headers.get("location");
    if (!REDIRECTS.has(res.status) || location === null || o.maxRedirects === 0) return res;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= o.maxRedirects) throw new TooManyRedirectsError(o.maxRedirects);
    const next = policy.checkUrl(new URL(location, current));
    if (res.status === 303 ? method !== "HEAD" : (res.status === 301 || res.status === 302) && method === "POST") {
      method = "GET";
      body = undefined;
      headers = new Headers(headers);
      for (const h of ["content-type", "content-length", "content-encoding", "content-language", "content-location"]) headers.delete(h);
    }
    if (next.origin !== current.origin) {
      headers = new Headers(headers);
      for (const h of [...CREDENTIAL_HEADERS, ...(o.sensitiveHeaders ?? [])]) headers.delete(h);
    }
    current = next;
  }
}
