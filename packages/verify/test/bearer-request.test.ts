// Where a bearer token may come from (RFC 6750 §2), without a server.
import { extractBearer } from "@tessera/verify";
import { describe, expect, test } from "vitest";

const url = "/data";

describe("extractBearer", () => {
  test("reads the Authorization header, scheme in any case", () => {
    expect(extractBearer({ authorization: "Bearer abc.def-_~+/=", url })).toEqual({
      kind: "token",
      token: "abc.def-_~+/=",
    });
    expect(extractBearer({ authorization: "bearer  x.y.z ", url })).toEqual({
      kind: "token",
      token: "x.y.z",
    });
    expect(extractBearer({ authorization: "BEARER x", url })).toEqual({ kind: "token", token: "x" });
  });

  test("no header or another scheme is no token", () => {
    expect(extractBearer({ authorization: undefined, url })).toEqual({ kind: "none" });
    expect(extractBearer({ authorization: "Basic dXNlcjpwYXNz", url })).toEqual({ kind: "none" });
    expect(extractBearer({ authorization: "Bearerx abc", url })).toEqual({ kind: "none" });
  });

  test.each(["Bearer", "Bearer ", "Bearer a b", 'Bearer "abc"', "Bearer a,b"])(
    "%j is an invalid_request",
    (authorization) => {
      expect(extractBearer({ authorization, url }).kind).toBe("invalid_request");
    },
  );

  test("two bearer headers are an invalid_request", () => {
    expect(extractBearer({ authorization: ["Bearer a", "Bearer b"], url }).kind).toBe("invalid_request");
  });

  test("a token in the query string is refused, even beside a good header", () => {
    for (const target of ["/data?access_token=x", "/data?a=1&access_token=", "/d?access%5Ftoken=x"]) {
      expect(extractBearer({ authorization: "Bearer a", url: target }).kind).toBe("invalid_request");
    }
    expect(extractBearer({ authorization: "Bearer a", url: "/data?token=x#access_token=y" }).kind).toBe(
      "token",
    );
  });
});
