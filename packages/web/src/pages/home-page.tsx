import { api } from "../api.js";
import type { Account, AupStatus, Identity } from "../types.js";
import type { LinkableProvider } from "../types-security.js";
import { Empty, LoadError, Outcome, Section, Table, useAction, useLoad, when } from "../ui.js";

/** Who I am: profile, acceptable use policy, linked upstream identities (unlink, link another). */
export function HomePage(props: { me: Account }) {
  const { me } = props;
  const aup = useLoad(() => api.get<AupStatus>("/me/aup"));
  const identities = useLoad(() =>
    api.get<{ identities: Identity[]; providers?: LinkableProvider[] }>("/me/identities"),
  );
  const action = useAction();

  const sign = () =>
    action.run(() => api.post("/me/aup/sign").then(aup.reload), "Thank you: the policy is signed.");
  const unlink = (identity: Identity) =>
    action.run(
      () => api.delete(`/me/identities/${encodeURIComponent(identity.id)}`).then(identities.reload),
      `Unlinked ${identity.provider}.`,
    );

  return (
    <>
      <h1>Your profile</h1>
      <Outcome outcome={action.outcome} />
      <Section title="Account">
        <dl className="facts">
          <dt>Name</dt>
          <dd>{me.name}</dd>
          <dt>Email</dt>
          <dd>{me.email}</dd>
          <dt>Username</dt>
          <dd>{me.username}</dd>
          <dt>Status</dt>
          <dd>
            <span className={`badge badge-${me.status}`}>{me.status}</span>
            {me.is_admin ? <span className="badge">administrator</span> : null}
          </dd>
          <dt>Account ends</dt>
          <dd>{me.ends_at ? when(me.ends_at) : "no end date"}</dd>
        </dl>
      </Section>
      <Section title="Acceptable use policy">
        <LoadError error={aup.error} />
        {aup.data && !aup.data.aup ? <p>This server has no acceptable use policy.</p> : null}
        {aup.data?.aup ? (
          <>
            <p data-testid="aup-status">
              {aup.data.must_sign
                ? "You need to sign the current policy."
                : `Signed ${when(aup.data.signed_at)}${aup.data.expires_at ? `; valid until ${when(aup.data.expires_at)}` : ""}.`}
            </p>
            <details>
              <summary>Read the policy</summary>
              <p className="prewrap">{aup.data.aup.text}</p>
              {aup.data.aup.url ? (
                <p>
                  <a href={aup.data.aup.url}>Full text</a>
                </p>
              ) : null}
            </details>
            <div className="actions">
              <button type="button" disabled={action.busy} onClick={() => void sign()}>
                {aup.data.must_sign ? "Sign the policy" : "Sign again"}
              </button>
            </div>
          </>
        ) : null}
      </Section>
      <Section title="Linked identities">
        <LoadError error={identities.error} />
        <p className="muted">
          A linked identity lets you sign in with your home institution or another provider.
        </p>
        <Table
          caption="Upstream identities linked to your account"
          head={["Provider", "Identity", "Last used", ""]}
        >
          {identities.data?.identities.length === 0 ? (
            <Empty columns={4} text="No linked identities." />
          ) : null}
          {identities.data?.identities.map((i) => (
            <tr key={i.id}>
              <td>{i.provider}</td>
              <td>{i.email ?? i.username ?? i.subject}</td>
              <td>{when(i.last_login_at)}</td>
              <td>
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy}
                  onClick={() => void unlink(i)}
                  aria-label={`Unlink ${i.provider} identity ${i.email ?? i.subject}`}
                >
                  Unlink
                </button>
              </td>
            </tr>
          ))}
        </Table>
        {identities.data?.providers?.length ? (
          <>
            <h3>Link another identity</h3>
            <p className="muted">You sign in at the provider and come back here.</p>
            <ul className="links">
              {identities.data.providers.map((p) => (
                <li key={p.id}>
                  {/* A full page load: the provider's sign-in is outside the dashboard. */}
                  <a className="button-link" href={`${p.link_path}?rd=${encodeURIComponent("/dashboard/")}`}>
                    Link an identity from {p.name}
                  </a>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </Section>
    </>
  );
}
