import { type Agent, request } from "node:http";

/**
 * One GraphQL POST over node:http with a keep-alive agent; resolves with `data`. The load
 * generators must cost less than the server they measure: fetch (undici) spends about as much
 * CPU per request as the gateway does.
 */
export function postJson<T = any>(url: string, body: string, agent: Agent): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: T; errors?: unknown };
        if (res.statusCode !== 200 || parsed.errors) reject(new Error(`request failed (${res.statusCode}): ${JSON.stringify(parsed.errors)}`));
        else resolve(parsed.data as T);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
