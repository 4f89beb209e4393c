import { createGithubUpstream } from "./github-upstream.js";
import { createOidcUpstream } from "./oidc-upstream.js";
import type { FederationProviderConfig } from "./provider-settings.js";
import type { Upstream } from "./upstream.js";

/** The configured upstream providers by id, each with its enrolment policy. */
export function createUpstreams(providers: readonly FederationProviderConfig[]) {
  return new Map(
    providers.map((p) => [
      p.id,
      {
        upstream: (p.type === "github" ? createGithubUpstream(p) : createOidcUpstream(p)) as Upstream,
        policy: { trusted: p.trusted, defaultGroups: p.defaultGroups },
      },
    ]),
  );
}

export type Upstreams = ReturnType<typeof createUpstreams>;
