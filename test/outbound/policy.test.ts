/** The outbound policy (src/outbound/policy.ts), BATON_OUTBOUND_ALLOW and the secrets of headers, without a gateway. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { parseOutboundAllow, parseSecrets } from "../../src/outbound/settings.js";
import { headersProblems } from "../../src/domain/builtins.js";
import { addressRange, OutboundBlockedError, outboundBlocked, outboundFetch, OutboundPolicy, TooManyRedirectsError, type Resolver } from "../../src/outbound/policy.js";
import { redact, resolveHeaders, Secrets, UnknownSecretError } from "../../src/outbound/secrets.js";

/** What `check` does to a URL, before and at the connection: "blocked", or the address it would connect to. */
async function verdict(policy: OutboundPolicy, url: string): Promise<string> {
  try {
    const u = policy.checkUrl(url);
    return await policy.resolve(u.hostname, Number(u.port) || (u.protocol === "https:" ? 443 : 80));
  } catch (e) {
    if (e instanceof OutboundBlockedError) return "blocked";
    throw e;
  }
}

/** Names resolved without DNS: evil.example → 127.0.0.1, mixed.example → a public and a private address. */
const fakeDns: Resolver = async (host) => {
  const table: Record<string, { address: string; family: number }[]> = {
    "evil.example": [{ address: "127.0.0.1", family: 4 }],
    "evil6.example": [{ address: "::ffff:10.0.0.1", family: 6 }],
    "mixed.example": [
      { address: "93.184.216.34", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ],
    "public.example": [{ address: "93.184.216.34", family: 4 }],
    "svc.internal.example": [{ address: "10.9.8.7", family: 4 }],
    "internal.example": [{ address: "10.9.8.6", family: 4 }],
  };
  const found = table[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return found;
};

describe("address classes", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrierGradeNat"],
    ["169.254.169.254", "linkLocal"],
    ["0.0.0.0", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["224.0.0.251", "multicast"],
    ["240.0.0.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["fd00:ec2::254", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"], // IPv4-mapped: judged as the IPv4 address
    ["::ffff:a9fe:a9fe", "linkLocal"],
    ["64:ff9b::7f00:1", "rfc6052"], // NAT64
    ["2002:7f00:1::", "6to4"],
  ])("%s is refused (%s)", (address, range) => {
    expect(addressRange(address)).toBe(range);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("%s is public unicast", (address) => {
    expect(addressRange(address)).toBeNull();
  });
});

describe("OutboundPolicy without exceptions", () => {
  const policy = new OutboundPolicy({ resolver: fakeDns });

  it.each([
    "http://127.0.0.1:8080/",
    "http://0x7f000001:8080/", // hex
    "http://2130706433/", // one decimal number
    "http://0177.0.0.1/", // octal
    "http://127.1/",
    "http://[::1]:4000/",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://[::]/",
    "http://0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.google.internal./",
    "http://localhost:4000/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://10.0.0.5/",
    "http://100.100.100.200/", // Alibaba's metadata, in 100.64/10
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "https://evil.example/", // a name that resolves to loopback
    "https://evil6.example/", // … to an IPv4-mapped private address
    "https://mixed.example/", // one private address among public ones
    "ftp://example.com/",
    "file:///etc/passwd",
    "http://user:pass@public.example/",
  ])("refuses %s", async (url) => {
    expect(await verdict(policy, url)).toBe("blocked");
  });

  it("lets public destinations through, to the address it checked", async () => {
    expect(await verdict(policy, "https://public.example/x")).toBe("93.184.216.34");
    expect(await verdict(policy, "http://93.184.216.34/")).toBe("93.184.216.34");
  });

  it("keeps a resolver failure as it is (not a refusal)", async () => {
    await expect(policy.resolve("nowhere.example", 80)).rejects.toThrow(/ENOTFOUND/);
  });

  it("refuses localhost as the system resolves it", async () => {
    const system = new OutboundPolicy();
    await expect(system.resolve("localhost", 80)).rejects.toBeInstanceOf(OutboundBlockedError);
    await expect(system.resolve("127.0.0.1", 80)).rejects.toBeInstanceOf(OutboundBlockedError);
  });

  it("says what is refused without the reason, which is for the log", async () => {
    const e = await policy.resolve("evil.example", 80).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutboundBlockedError);
    expect((e as OutboundBlockedError).message).toBe("evil.example is not an allowed destination: blocked by the outbound policy (BATON_OUTBOUND_ALLOW lists the exceptions)");
    expect((e as OutboundBlockedError).reason).toBe("resolves to 127.0.0.1, a loopback address");
  });
});

describe("OutboundPolicy with BATON_OUTBOUND_ALLOW", () => {
  const policy = new OutboundPolicy({ resolver: fakeDns, allow: parseOutboundAllow("127.0.0.1:8080, *.internal.example, 192.168.0.0/16, [::1]:9000, localhost:5000") });

  it("allows exactly the entries: host:port on that port only, *.suffix, CIDR ranges", async () => {
    expect(await verdict(policy, "http://127.0.0.1:8080/")).toBe("127.0.0.1");
    expect(await verdict(policy, "http://0x7f000001:8080/")).toBe("127.0.0.1"); // the same address written otherwise
    expect(await verdict(policy, "http://127.0.0.1:8081/")).toBe("blocked");
    expect(await verdict(policy, "http://svc.internal.example/")).toBe("10.9.8.7");
    expect(await verdict(policy, "http://internal.example/")).toBe("blocked"); // not a subdomain: its private address is refused
    expect(await verdict(policy, "http://192.168.3.4/")).toBe("192.168.3.4");
    expect(await verdict(policy, "http://192.169.0.1/")).toBe("192.169.0.1"); // public anyway
    expect(await verdict(policy, "http://10.0.0.1/")).toBe("blocked");
    expect(await verdict(policy, "http://[::1]:9000/")).toBe("::1");
    expect(await verdict(policy, "http://[::1]:9001/")).toBe("blocked");
    expect(await verdict(policy, "http://169.254.169.254/")).toBe("blocked");
  });

  it("parses entries and refuses bad ones with a ConfigError", () => {
    expect(parseOutboundAllow(undefined)).toEqual([]);
    expect(parseOutboundAllow(" ")).toEqual([]);
    expect(parseOutboundAllow("Example.COM.,0x7f000001:80,*.Svc.Example:8443,::1")).toEqual([
      { kind: "host", host: "example.com", port: null },
      { kind: "host", host: "127.0.0.1", port: 80 },
      { kind: "suffix", suffix: "svc.example", port: 8443 },
      { kind: "host", host: "::1", port: null },
    ]);
    expect(parseOutboundAllow("10.0.0.0/8")).toMatchObject([{ kind: "cidr", text: "10.0.0.0/8" }]);
    for (const bad of ["a,,b", "10.0.0.0/33", "host:0", "host:70000", "*.", "bad host", "http://x", "[zz]:80", "*.a_b.c"]) {
      expect(() => parseOutboundAllow(bad), bad).toThrow(ConfigError);
    }
  });
});

describe("outboundFetch", () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url} ${req.headers["x-key"] ?? "-"}`);
      if (req.url === "/to-blocked") res.writeHead(302, { location: "http://10.0.0.1/" }).end();
      else if (req.url === "/to-metadata") res.writeHead(307, { location: "http://169.254.169.254/latest/" }).end();
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else if (req.url === "/to-self") res.writeHead(303, { location: "/ok" }).end();
      else if (req.url === "/to-other-origin") res.writeHead(307, { location: `http://localhost:${port}/ok` }).end();
      else res.writeHead(200).end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const allowed = () => new OutboundPolicy({ allow: parseOutboundAllow(`127.0.0.1:${port}`) });

  it("refuses a denied destination before any request, at the connection", async () => {
    const before = hits.length;
    const e = await outboundFetch(new OutboundPolicy(), `http://127.0.0.1:${port}/`, {}, { maxRedirects: 5 }).catch((x: unknown) => x);
    expect(outboundBlocked(e)).toBeInstanceOf(OutboundBlockedError);
    // a name resolving to it: refused when connecting (the URL check cannot know)
    const byName = await outboundFetch(new OutboundPolicy({ resolver: fakeDns }), `http://evil.example:${port}/`, {}, { maxRedirects: 5 }).catch((x: unknown) => x);
    expect(outboundBlocked(byName)?.reason).toBe("resolves to 127.0.0.1, a loopback address");
    expect(hits.length).toBe(before);
  });

  it("checks every redirect hop, and follows at most maxRedirects", async () => {
    const policy = allowed();
    try {
      for (const path of ["/to-blocked", "/to-metadata"]) {
        const e = await outboundFetch(policy, `http://127.0.0.1:${port}${path}`, { method: "POST", body: "{}" }, { maxRedirects: 5 }).catch((x: unknown) => x);
        expect(outboundBlocked(e), path).toBeInstanceOf(OutboundBlockedError);
      }
      await expect(outboundFetch(policy, `http://127.0.0.1:${port}/loop`, {}, { maxRedirects: 5 })).rejects.toBeInstanceOf(TooManyRedirectsError);
      expect(hits.filter((h) => h.startsWith("GET /loop")).length).toBe(6); // the first request and 5 redirects
      const res = await outboundFetch(policy, `http://127.0.0.1:${port}/to-self`, { method: "POST", body: "{}" }, { maxRedirects: 5 });
      expect([res.status, await res.text(), hits.at(-1)]).toEqual([200, "ok", "GET /ok -"]); // 303: a GET
      // to another origin (localhost: not allowed here) — refused
      const e = await outboundFetch(policy, `http://127.0.0.1:${port}/to-other-origin`, {}, { maxRedirects: 5 }).catch((x: unknown) => x);
      expect(outboundBlocked(e)).toBeInstanceOf(OutboundBlockedError);
    } finally {
      await policy.close();
    }
  });

  it("drops secret headers when a redirect leaves the origin", async () => {
    const policy = new OutboundPolicy({ allow: parseOutboundAllow(`127.0.0.1:${port},localhost:${port}`) });
    try {
      const res = await outboundFetch(policy, `http://127.0.0.1:${port}/to-other-origin`, { headers: { "x-key": "s3cret", authorization: "Bearer s3cret" } }, { maxRedirects: 5, sensitiveHeaders: ["x-key"] });
      expect(res.status).toBe(200);
      expect(hits.slice(-2)).toEqual(["GET /to-other-origin s3cret", "GET /ok -"]);
    } finally {
      await policy.close();
    }
  });
});

describe("secrets of headers", () => {
  it("reads a JSON object or NAME=VALUE lines; errors never quote a value", () => {
    expect(parseSecrets('{"openai": "sk-1", "x.y-z_1": "v=2"}')).toEqual(new Map([["openai", "sk-1"], ["x.y-z_1", "v=2"]]));
    expect(parseSecrets("# comment\n\nopenai=sk-1=2\r\nother = v \n")).toEqual(new Map([["openai", "sk-1=2"], ["other", " v "]]));
    for (const bad of ['{"a": 1}', '{"bad name": "hunter2"}', "[1]", "{not json hunter2", "novalue", "a=", "a=1\na=hunter2"]) {
      let e: unknown = null;
      try {
        parseSecrets(bad);
      } catch (x) {
        e = x;
      }
      expect(e, bad).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain("hunter2");
    }
  });

  it("fills in ${secret:NAME}, refuses an unknown name, redacts values from text, and never prints them", () => {
    const secrets = new Secrets({ openai: "sk-live-123", other: 'q"uote' });
    expect(resolveHeaders({ Authorization: "Bearer ${secret:openai}", "x-plain": "p" }, secrets)).toEqual({
      headers: { authorization: "Bearer sk-live-123", "x-plain": "p" },
      secretHeaders: ["authorization"],
      values: ["sk-live-123"],
    });
    expect(() => resolveHeaders({ a: "${secret:nope}" }, secrets)).toThrow(UnknownSecretError);
    expect(redact('{"echo":"Bearer sk-live-123","o":"q\\"uote"}', ["sk-live-123", 'q"uote'])).toBe('{"echo":"Bearer [redacted]","o":"[redacted]"}');
    expect(JSON.stringify({ secrets })).toBe('{"secrets":{"names":["openai","other"]}}');
    expect(inspect(secrets)).not.toContain("sk-live");
  });

  it("checks config.headers at plan creation", () => {
    expect(headersProblems(undefined, "h")).toEqual([]);
    expect(headersProblems({ authorization: "Bearer ${secret:openai}", "x-a": "b" }, "h")).toEqual([]);
    expect(headersProblems([], "h")).toMatchObject([{ path: "h" }]);
    expect(headersProblems({ "bad name": "x", host: "x", "x-n": 1, "x-crlf": "a\r\nb", "x-ref": "${secret:bad name}" }, "h").map((p) => p.path)).toEqual([
      "h.bad name",
      "h.host",
      "h.x-n",
      "h.x-crlf",
      "h.x-ref",
    ]);
  });
});
