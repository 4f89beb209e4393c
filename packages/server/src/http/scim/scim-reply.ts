import type { FastifyReply, FastifyRequest } from "fastify";
import { ScimError } from "./scim-error.js";

export type ScimReply = FastifyReply;

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

function version(resource: Record<string, unknown>): string | undefined {
  const meta = resource.meta as { version?: unknown } | undefined;
  return typeof meta?.version === "string" ? meta.version : undefined;
}

/** Sends a SCIM body; a single resource also gets its version as the ETag header (RFC 7644 §3.14). */
export function sendResource(reply: FastifyReply, status: number, body: Record<string, unknown>) {
  const etag = version(body);
  if (etag) reply.header("etag", etag);
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(body);
}

/** 201 with the new resource and its Location (RFC 7644 §3.3). */
export function created(reply: FastifyReply, resource: Record<string, unknown>) {
  const location = (resource.meta as { location?: string } | undefined)?.location;
  if (location) reply.header("location", location);
  return sendResource(reply, 201, resource);
}

/** If-Match on a change: the client's version must still be the current one (412 otherwise). */
export function checkIfMatch(request: FastifyRequest, current: Record<string, unknown>): void {
  const header = request.headers["if-match"];
  if (header === undefined || header.trim() === "*") return;
  const given = header.split(",").map((tag) => tag.trim().replace(/^W\//, ""));
  const have = version(current)?.replace(/^W\//, "");
  if (!have || !given.includes(have))
    throw new ScimError(412, null, "the resource has changed since the version given in If-Match");
}
