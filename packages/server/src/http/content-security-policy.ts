import type { FastifyReply } from "fastify";
import type { Client } from "../domain/clients/client.js";
import { redirectUriMatches } from "../protocol/redirect-uri.js";

/**
 * The pages' Content-Security-Policy, in one place. `form-action` is the delicate directive:
 * browsers apply it to every redirect that follows a form submission, so a form whose answer
 * ends at a client's redirect URI (consent, logout confirmation, and login/AUP/second-factor
 * forms that continue an authorization request answered at once from remembered consent) must
 * name that target, or the browser stops the user at the last step.
 */
export interface PageCsp {
  /** The directives for helmet's default header. */
  directives: Record<string, string[]>;
  /** Sets this reply's header with extra `form-action` sources. */
  allowFormTargets(reply: FastifyReply, sources: readonly string[]): void;
  /** The `form-action` source for a redirect URI: its origin, or its scheme for private-use URIs. */
  sourceOf(uri: string): string;
  /**
   * The extra sources a form must allow when its answer continues to `rd`: for an authorization
   * request of a registered client to one of its registered redirect URIs, that URI's source.
   */
  continuationSources(rd: string | undefined): Promise<string[]>;
}

export function createPageCsp(options: {
  https: boolean;
  issuer: string;
  formSources: readonly string[];
  findClient(clientId: string): Promise<Client | undefined>;
}): PageCsp {
  const directives: Record<string, string[]> = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'", ...options.formSources],
    ...(options.https ? { upgradeInsecureRequests: [] } : {}),
  };
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const serialise = (extra: readonly string[]) =>
    Object.entries(directives)
      .map(([name, values]) => {
        const all = name === "formAction" ? [...new Set([...values, ...extra])] : values;
        return [kebab(name), ...all].join(" ");
      })
      .join("; ");

  const sourceOf = (uri: string) => {
    const url = new URL(uri);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
  };

  return {
    directives,
    sourceOf,
    allowFormTargets(reply, sources) {
      if (sources.length > 0) reply.header("content-security-policy", serialise(sources));
    },
    async continuationSources(rd) {
      if (!rd) return [];
      let url: URL;
      try {
        url = new URL(rd, options.issuer);
      } catch {
        return [];
      }
      if (url.origin !== new URL(options.issuer).origin || url.pathname !== "/authorize") return [];
      const clientId = url.searchParams.get("client_id");
      const client = clientId ? await options.findClient(clientId) : undefined;
      if (!client) return [];
      const requested =
        url.searchParams.get("redirect_uri") ??
        (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
      // Only a redirect URI the client registered: the page's policy never names a stranger.
      if (!requested || !redirectUriMatches(client.redirectUris, requested)) return [];
      return [sourceOf(requested)];
    },
  };
}
