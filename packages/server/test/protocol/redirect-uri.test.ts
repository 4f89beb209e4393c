import { describe, expect, test } from "vitest";
import { checkRedirectUriForRegistration, redirectUriMatches } from "../../src/protocol/redirect-uri.js";

describe("checkRedirectUriForRegistration (RFC 6749 §3.1.2, RFC 8252, RFC 9700 §4.1)", () => {
  describe.each(["web", "native"] as const)("for %s clients", (type) => {
    test.each([
      "https://app.example/cb",
      "https://app.example:8443/oauth/callback?tenant=cms",
      "https://app.example",
      "https://192.0.2.1/cb",
      "http://localhost:4242",
      "http://localhost:4242/",
      "http://localhost/redirect",
      "http://127.0.0.1:8080/cb",
      "http://[::1]:8080/cb",
      "edu.kit.data.oidc-agent:/redirect",
      "com.example.app:/oauth2redirect/example-provider",
    ])("accepts %s", (uri) => {
      expect(checkRedirectUriForRegistration(uri, type)).toBeNull();
    });

    test.each([
      ["relative", "/cb"],
      ["scheme-relative", "//app.example/cb"],
      ["no scheme", "app.example/cb"],
      ["empty", ""],
      ["fragment", "https://app.example/cb#x"],
      ["empty fragment", "https://app.example/cb#"],
      ["javascript", "javascript:alert(1)"],
      ["javascript, upper case", "JavaScript:alert(1)//"],
      ["data", "data:text/html,<script>alert(1)</script>"],
      ["data, URI characters only", "data:text/html;base64,PHNjcmlwdD4="],
      ["file", "file:///etc/passwd"],
      ["vbscript", "vbscript:msgbox(1)"],
      ["ftp", "ftp://app.example/cb"],
      ["custom scheme without a dot", "myapp:/cb"],
      ["http on a public host", "http://app.example/cb"],
      ["http on a loopback look-alike", "http://127.0.0.1.evil.example/cb"],
      ["http on localhost look-alike", "http://localhost.evil.example/cb"],
      ["http on a short-form loopback address", "http://127.1/cb"],
      ["http on another 127/8 address spelled oddly", "http://0x7f000001/cb"],
      ["userinfo", "https://app.example@evil.example/cb"],
      ["userinfo with password", "https://user:pass@app.example/cb"],
      ["userinfo on loopback", "http://localhost@evil.example/cb"],
      ["userinfo in a private-use URI", "com.example.app://user@host/cb"],
      ["wildcard host", "https://*.app.example/cb"],
      ["wildcard path", "https://app.example/cb/*"],
      ["wildcard in private-use scheme URI", "com.example.app:/*"],
      ["space", "https://app.example/c b"],
      ["backslash", "https://app.example\\@evil.example/cb"],
      ["non-ASCII host (IDN must be registered as punycode)", "https://bücher.example/cb"],
      ["bad percent-encoding", "https://app.example/%zz"],
      ["control character", "https://app.example/cb\n"],
      ["https without host", "https:/cb"],
      ["https with empty host", "https:///cb"],
      ["port out of range", "https://app.example:70000/cb"],
      ["non-numeric port", "https://app.example:http/cb"],
      ["upper-case scheme", "HTTPS://app.example/cb"],
      ["too long", `https://app.example/${"a".repeat(3000)}`],
    ])("refuses %s: %s", (_why, uri) => {
      const message = checkRedirectUriForRegistration(uri, type);
      expect(typeof message).toBe("string");
      expect(message).not.toBe("");
    });
  });

  test("the messages say what is wrong", () => {
    expect(checkRedirectUriForRegistration("https://a.example/#x", "web")).toMatch(/fragment/);
    expect(checkRedirectUriForRegistration("http://a.example/", "native")).toMatch(/loopback/);
    expect(checkRedirectUriForRegistration("javascript:alert(1)", "web")).toMatch(/scheme/);
    expect(checkRedirectUriForRegistration("https://a@b.example/", "web")).toMatch(/userinfo/);
    expect(checkRedirectUriForRegistration("https://*.example/", "web")).toMatch(/wildcard/);
  });
});

describe("redirectUriMatches: exact string comparison (RFC 9700 §4.1.3)", () => {
  const registered = ["https://a.example/cb", "https://b.example/cb?x=1"];

  test("the registered URI matches", () => {
    expect(redirectUriMatches(registered, "https://a.example/cb")).toBe(true);
    expect(redirectUriMatches(registered, "https://b.example/cb?x=1")).toBe(true);
  });

  test("nothing matches an empty registration", () => {
    expect(redirectUriMatches([], "https://a.example/cb")).toBe(false);
  });

  test.each([
    ["path traversal after the prefix", "https://a.example/cb/../x"],
    ["longer path", "https://a.example/cbx"],
    ["sub-path", "https://a.example/cb/x"],
    ["added query", "https://a.example/cb?next=https://evil.example"],
    ["empty query", "https://a.example/cb?"],
    ["fragment", "https://a.example/cb#x"],
    ["upper-case host", "https://A.EXAMPLE/cb"],
    ["upper-case path", "https://a.example/CB"],
    ["upper-case scheme", "HTTPS://a.example/cb"],
    ["userinfo trick", "https://a.example@evil.example/cb"],
    ["userinfo in front", "https://evil@a.example/cb"],
    ["trailing slash", "https://a.example/cb/"],
    ["percent-encoded letter", "https://a.example/c%62"],
    ["percent-encoded slash", "https://a.example%2fcb"],
    ["explicit default port", "https://a.example:443/cb"],
    ["other port", "https://a.example:8443/cb"],
    ["trailing dot in host", "https://a.example./cb"],
    ["http instead of https", "http://a.example/cb"],
    ["sub-domain", "https://evil.a.example/cb"],
    ["suffix domain", "https://a.example.evil.example/cb"],
    ["leading space", " https://a.example/cb"],
    ["trailing space", "https://a.example/cb "],
    ["backslash", "https://a.example\\@evil.example/cb"],
    ["reordered query", "https://b.example/cb?x=1&y=2"],
    ["query changed", "https://b.example/cb?x=2"],
    ["query dropped", "https://b.example/cb"],
  ])("refuses %s: %s", (_why, requested) => {
    expect(redirectUriMatches(registered, requested)).toBe(false);
  });

  test("IDN: the Unicode and punycode forms are different strings", () => {
    expect(redirectUriMatches(["https://xn--bcher-kva.example/cb"], "https://bücher.example/cb")).toBe(false);
    expect(redirectUriMatches(["https://bücher.example/cb"], "https://xn--bcher-kva.example/cb")).toBe(false);
  });

  test("percent-encoding is compared as written in both directions", () => {
    expect(redirectUriMatches(["https://a.example/a%20b"], "https://a.example/a%20b")).toBe(true);
    expect(redirectUriMatches(["https://a.example/a%20b"], "https://a.example/a%2520b")).toBe(false);
    expect(redirectUriMatches(["https://a.example/a%2Fb"], "https://a.example/a%2fb")).toBe(false);
  });

  test("private-use scheme URIs match exactly", () => {
    const uris = ["edu.kit.data.oidc-agent:/redirect"];
    expect(redirectUriMatches(uris, "edu.kit.data.oidc-agent:/redirect")).toBe(true);
    expect(redirectUriMatches(uris, "edu.kit.data.oidc-agent:/redirect/x")).toBe(false);
    expect(redirectUriMatches(uris, "EDU.KIT.DATA.OIDC-AGENT:/redirect")).toBe(false);
    expect(redirectUriMatches(uris, "edu.kit.data.oidc-agent://redirect")).toBe(false);
  });
});

describe("redirectUriMatches: loopback with any port (RFC 8252 §7.3)", () => {
  test.each([
    ["http://localhost:4242", "http://localhost:8080"],
    ["http://localhost:4242", "http://localhost"],
    ["http://localhost", "http://localhost:1"],
    ["http://localhost:4242/", "http://localhost:65535/"],
    ["http://127.0.0.1/cb", "http://127.0.0.1:53682/cb"],
    ["http://127.0.0.1:80/cb", "http://127.0.0.1/cb"],
    ["http://[::1]:8080/cb?x=1", "http://[::1]:9090/cb?x=1"],
  ])("registered %s matches %s", (reg, requested) => {
    expect(redirectUriMatches([reg], requested)).toBe(true);
  });

  test.each([
    ["different path", "http://localhost:4242/cb", "http://localhost:5000/other"],
    ["path added", "http://localhost:4242", "http://localhost:5000/cb"],
    ["trailing slash", "http://localhost:4242", "http://localhost:5000/"],
    ["query added", "http://localhost:4242/cb", "http://localhost:5000/cb?x=1"],
    ["query differs", "http://localhost:4242/cb?a=1", "http://localhost:5000/cb?a=2"],
    ["fragment", "http://localhost:4242/cb", "http://localhost:5000/cb#x"],
    ["https instead of http", "http://localhost:4242/cb", "https://localhost:4242/cb"],
    ["upper-case scheme", "http://localhost:4242/cb", "HTTP://localhost:5000/cb"],
    ["other loopback host", "http://localhost:4242/cb", "http://127.0.0.1:4242/cb"],
    ["IPv6 for IPv4", "http://127.0.0.1:4242/cb", "http://[::1]:4242/cb"],
    ["host upper-case", "http://localhost:4242/cb", "http://LOCALHOST:5000/cb"],
    ["look-alike host", "http://127.0.0.1/", "http://127.0.0.1.evil.example/"],
    ["look-alike host with port", "http://127.0.0.1:8080/", "http://127.0.0.1.evil.example:8080/"],
    ["localhost sub-domain", "http://localhost/", "http://localhost.evil.example/"],
    ["userinfo", "http://localhost:4242/cb", "http://localhost@evil.example:4242/cb"],
    ["userinfo with port", "http://127.0.0.1:8080/cb", "http://127.0.0.1:8080@evil.example/cb"],
    ["userinfo before loopback", "http://127.0.0.1/cb", "http://evil@127.0.0.1:8080/cb"],
    ["backslash", "http://127.0.0.1/cb", "http://127.0.0.1:8080\\@evil.example/cb"],
    ["short-form address", "http://127.0.0.1/cb", "http://127.1:8080/cb"],
    ["empty port", "http://127.0.0.1/cb", "http://127.0.0.1:/cb"],
    ["port zero", "http://127.0.0.1/cb", "http://127.0.0.1:0/cb"],
    ["port out of range", "http://127.0.0.1/cb", "http://127.0.0.1:65536/cb"],
    ["leading zeros", "http://127.0.0.1/cb", "http://127.0.0.1:08080/cb"],
    ["non-numeric port", "http://127.0.0.1/cb", "http://127.0.0.1:x/cb"],
    ["two ports", "http://127.0.0.1/cb", "http://127.0.0.1:80:80/cb"],
    ["space", "http://127.0.0.1/cb", "http://127.0.0.1:80/cb "],
    ["percent-encoded path", "http://127.0.0.1/cb", "http://127.0.0.1:80/c%62"],
  ])("%s: registered %s does not match %s", (_why, reg, requested) => {
    expect(redirectUriMatches([reg], requested)).toBe(false);
  });

  test("the port exception applies only to http loopback registrations", () => {
    expect(redirectUriMatches(["https://localhost:4242/cb"], "https://localhost:5000/cb")).toBe(false);
    expect(redirectUriMatches(["https://a.example:4242/cb"], "https://a.example:5000/cb")).toBe(false);
    expect(redirectUriMatches(["http://a.example:4242/cb"], "http://a.example:5000/cb")).toBe(false);
    expect(redirectUriMatches(["http://127.0.0.2:4242/cb"], "http://127.0.0.2:5000/cb")).toBe(false);
  });

  test("a malformed registered loopback URI never matches by port", () => {
    expect(redirectUriMatches(["http://user@localhost:1/cb"], "http://user@localhost:2/cb")).toBe(false);
  });

  test("any of several registrations may match", () => {
    const uris = ["edu.kit.data.oidc-agent:/redirect", "http://localhost:4242", "http://localhost:8080"];
    expect(redirectUriMatches(uris, "http://localhost:43985")).toBe(true);
    expect(redirectUriMatches(uris, "edu.kit.data.oidc-agent:/redirect")).toBe(true);
    expect(redirectUriMatches(uris, "http://localhost:43985/x")).toBe(false);
  });
});
