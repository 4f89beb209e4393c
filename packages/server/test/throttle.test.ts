import { describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { throttleAddress } from "../src/domain/login/client-address.js";

describe("throttle addresses", () => {
  test("IPv6 addresses are grouped by /64; IPv4 and mapped IPv4 by address", () => {
    expect(throttleAddress("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(throttleAddress("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(throttleAddress("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(throttleAddress("192.0.2.7")).toBe("192.0.2.7");
    expect(throttleAddress("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(throttleAddress("not an address")).toBe("not an address");
  });
});

describe("trustProxy configuration", () => {
  test("accepts false, hop counts and proxy lists; refuses anything else", () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TESSERA_TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ TESSERA_TRUST_PROXY: "10.0.0.0/8, ::1" }).trustProxy).toEqual(["10.0.0.0/8", "::1"]);
    expect(() => loadConfig({ TESSERA_TRUST_PROXY: "yes please" })).toThrow(/TESSERA_TRUST_PROXY/);
  });
});
