/** isConnectionLoss: which client errors mean the gateway went away (try again) and which are answers. */
import { describe, expect, it } from "vitest";
import { BatonClientError, ClientErrorCode, isConnectionLoss } from "../../src/client/errors.js";

const closed = (code: number) => new BatonClientError(`connection closed: ${code}`, { code: ClientErrorCode.CONNECTION_CLOSED, cause: { code } });

describe("isConnectionLoss", () => {
  it("is true for an unreachable gateway, a 5xx and a WebSocket closed other than with 44xx", () => {
    expect(isConnectionLoss(new BatonClientError("cannot reach", { code: ClientErrorCode.NETWORK_ERROR }))).toBe(true);
    expect(isConnectionLoss(new BatonClientError("HTTP 503", { code: ClientErrorCode.HTTP_ERROR, status: 503 }))).toBe(true);
    for (const code of [1001, 1006, 1011]) expect(isConnectionLoss(closed(code))).toBe(true);
  });

  it("is false for answers: a refused token or request, a 4xx, a GraphQL error, anything else", () => {
    for (const code of [4400, 4401, 4403]) expect(isConnectionLoss(closed(code))).toBe(false);
    expect(isConnectionLoss(new BatonClientError("HTTP 400", { code: ClientErrorCode.HTTP_ERROR, status: 400 }))).toBe(false);
    expect(isConnectionLoss(BatonClientError.fromErrors([{ message: "no", extensions: { code: "UNAUTHENTICATED" } }], 401))).toBe(false);
    expect(isConnectionLoss(new Error("boom"))).toBe(false);
  });
});
