/**
 * A JWT in JWS compact serialization (RFC 7515 §7.1), signed with node:crypto.
 *
 * Why not jose, which verifies every token Tessera reads: jose 6 signs only through WebCrypto,
 * where every signature is a job in libuv's thread pool. On a process with one core that hop
 * buys nothing and cost 11–13% of the token endpoint's throughput (docs/performance.md); with
 * more cores the pool is what lets one process sign in parallel (+50% on two). node:crypto's
 * `sign` offers both, and signing needs no parsing: two JSON objects, base64url, one signature.
 */

import { constants, type KeyObject, sign } from "node:crypto";
import { availableParallelism } from "node:os";
import type { SigningAlgorithm } from "./signing-key.js";

/** Where signatures are computed: on the event loop (one core), or in libuv's pool (several). */
export type SignOn = "event-loop" | "thread-pool";

/** The pool when this process may run on more than one CPU (affinity, cpusets), else the loop. */
export function defaultSignOn(): SignOn {
  return availableParallelism() > 1 ? "thread-pool" : "event-loop";
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export async function signCompactJwt(
  header: { alg: SigningAlgorithm; kid: string; typ: string },
  claims: Record<string, unknown>,
  key: KeyObject,
  on: SignOn,
): Promise<string> {
  const input = `${encode(header)}.${encode(claims)}`;
  const data = Buffer.from(input);
  // RS256: RSASSA-PKCS1-v1_5 with SHA-256; ES256: ECDSA P-256 with SHA-256, its signature as
  // r‖s (RFC 7518 §3.4), not the DER that OpenSSL produces by default.
  const options =
    header.alg === "ES256"
      ? { key, dsaEncoding: "ieee-p1363" as const }
      : { key, padding: constants.RSA_PKCS1_PADDING };
  const joined = (signature: Buffer) => `${input}.${signature.toString("base64url")}`;
  if (on === "event-loop") return joined(sign("sha256", data, options));
  return new Promise((resolve, reject) =>
    sign("sha256", data, options, (error, signature) => (error ? reject(error) : resolve(joined(signature)))),
  );
}
