import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from "jose";

/** The claims of a JWT, read without verification; undefined when the value is not a JWT. */
export function peekClaims(token: string | undefined): JWTPayload | undefined {
  if (typeof token !== "string" || token.split(".").length !== 3) return undefined;
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

export function peekHeader(token: string): ProtectedHeaderParameters | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

/** Groups from `groups` or `wlcg.groups` (IAM puts them in both), as a list. */
export function groupsOf(claims: JWTPayload | undefined): string[] {
  const raw = claims?.groups ?? claims?.["wlcg.groups"];
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === "string") return raw.split(/[\s,]+/).filter(Boolean);
  return [];
}
