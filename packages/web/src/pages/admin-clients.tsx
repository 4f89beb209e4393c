import { useState } from "react";
import { api } from "../api.js";
import type { Client, ExchangePolicy, Page } from "../types.js";
import {
  Empty,
  Field,
  Form,
  LoadError,
  Outcome,
  SecretOnce,
  Section,
  Select,
  Table,
  TextArea,
  useAction,
  useLoad,
} from "../ui.js";

const CLIENT_KINDS = {
  web: {
    grant_types: ["authorization_code", "refresh_token"],
    token_endpoint_auth_method: "client_secret_basic",
  },
  service: { grant_types: ["client_credentials"], token_endpoint_auth_method: "client_secret_basic" },
  device: {
    grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
    token_endpoint_auth_method: "none",
  },
} as const;

const GRANTS = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:device_code",
  "urn:ietf:params:oauth:grant-type:token-exchange",
  "password",
] as const;
const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"] as const;
const SECRET_METHODS: readonly string[] = ["client_secret_basic", "client_secret_post"];
const short = (grant: string) => grant.replace("urn:ietf:params:oauth:grant-type:", "");
const lines = (text: string) => text.split(/\s+/).filter(Boolean);
const nameOf = (c: Client) => c.client_name ?? c.client_id;

/** OAuth clients: register (the secret is shown once), edit, rotate the secret, suspend, delete. */
export function ClientsAdmin() {
  const list = useLoad(() => api.get<Page<Client>>("/clients?limit=500"));
  const action = useAction();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<keyof typeof CLIENT_KINDS>("web");
  const [redirect, setRedirect] = useState("");
  const [scope, setScope] = useState("openid profile email offline_access wlcg wlcg.groups");
  const [secret, setSecret] = useState<{ id: string; secret: string } | undefined>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const current = list.data?.items.find((c) => c.client_id === editing);

  const create = () =>
    action.run(async () => {
      const created = await api.post<Client>("/clients", {
        client_name: name,
        ...CLIENT_KINDS[kind],
        ...(kind === "device" ? { application_type: "native" } : {}),
        ...(kind === "web" ? { redirect_uris: lines(redirect) } : {}),
        scope,
      });
      if (created.client_secret) setSecret({ id: created.client_id, secret: created.client_secret });
      setName("");
      await list.reload();
    }, `Registered ${name}.`);
  const remove = (c: Client) =>
    action.run(
      async () => {
        await api.delete(`/clients/${encodeURIComponent(c.client_id)}`);
        if (editing === c.client_id) setEditing(undefined);
        await list.reload();
      },
      `Deleted ${nameOf(c)}.`,
    );

  return (
    <>
      <Outcome outcome={action.outcome} />
      {secret ? (
        <SecretOnce
          label={`Secret of ${secret.id}`}
          secret={secret.secret}
          onDone={() => setSecret(undefined)}
        />
      ) : null}
      <Section title="Register a client">
        <Form label="Register a client" onSubmit={() => void create()}>
          <Field label="Client name" value={name} onChange={setName} required />
          <Select
            label="Kind of client"
            value={kind}
            onChange={(v) => setKind(v as keyof typeof CLIENT_KINDS)}
            options={[
              { value: "web", label: "Web application (authorization code)" },
              { value: "service", label: "Service (client credentials)" },
              { value: "device", label: "Command line or device (device code, public)" },
            ]}
          />
          {kind === "web" ? (
            <Field
              label="Redirect URIs"
              value={redirect}
              onChange={setRedirect}
              required
              hint="Space-separated."
            />
          ) : null}
          <Field
            label="Scopes"
            value={scope}
            onChange={setScope}
            hint="The scopes this client may ask for."
          />
          <div className="actions">
            <button type="submit" disabled={action.busy || name === ""}>
              Register client
            </button>
          </div>
        </Form>
      </Section>
      <Section title="Clients">
        <LoadError error={list.error} />
        <Table
          caption="Registered clients"
          head={["Client", "Client ID", "Grants", "Scopes", "Status", "Actions"]}
        >
          {list.data?.items.length === 0 ? <Empty columns={6} text="No clients." /> : null}
          {list.data?.items.map((c) => (
            <tr key={c.client_id}>
              <td>{c.client_name ?? "—"}</td>
              <td>
                <code>{c.client_id}</code>
              </td>
              <td>{c.grant_types.map(short).join(", ")}</td>
              <td>
                <code>{c.scope ?? ""}</code>
              </td>
              <td>
                {c.suspended_at ? (
                  <span className="badge badge-suspended">suspended</span>
                ) : (
                  <span className="badge badge-active">active</span>
                )}
              </td>
              <td>
                <div className="actions">
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Edit client ${nameOf(c)}`}
                    aria-pressed={c.client_id === editing}
                    onClick={() => setEditing(c.client_id === editing ? undefined : c.client_id)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger small"
                    disabled={action.busy}
                    onClick={() => void remove(c)}
                    aria-label={`Delete client ${nameOf(c)}`}
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </Table>
      </Section>
      {current ? (
        <ClientEditor key={current.client_id} client={current} onChanged={() => void list.reload()} />
      ) : null}
      {list.data ? <ExchangePolicies clients={list.data.items} /> : null}
    </>
  );
}

/**
 * One client's settings. PUT /clients/{id} replaces the whole registration, so the fields this
 * form does not show (audiences, lifetimes, keys, logout URIs) are sent back as they were.
 */
function ClientEditor(props: { client: Client; onChanged: () => void }) {
  const { client } = props;
  const path = `/clients/${encodeURIComponent(client.client_id)}`;
  const action = useAction();
  const [name, setName] = useState(client.client_name ?? "");
  const [redirects, setRedirects] = useState((client.redirect_uris ?? []).join("\n"));
  const [grants, setGrants] = useState<string[]>(client.grant_types);
  const [scope, setScope] = useState(client.scope ?? "");
  const [method, setMethod] = useState(client.token_endpoint_auth_method);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const hasSecret = SECRET_METHODS.includes(client.token_endpoint_auth_method);

  const save = () =>
    action.run(
      async () => {
        await api.put(path, {
          client_name: name,
          application_type: client.application_type ?? "web",
          redirect_uris: lines(redirects),
          post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
          grant_types: grants,
          token_endpoint_auth_method: method,
          scope,
          audiences: client.audiences ?? [],
          access_token_lifetime: client.access_token_lifetime ?? null,
          refresh_token_lifetime: client.refresh_token_lifetime ?? null,
          ...(client.jwks ? { jwks: client.jwks } : {}),
        });
        props.onChanged();
      },
      `Saved ${name || client.client_id}.`,
    );
  const rotate = () =>
    action.run(async () => {
      const answer = await api.post<{ client_secret: string }>(`${path}/secret`);
      setSecret(answer.client_secret);
    }, "A new secret was made; the old one no longer works.");
  const suspend = (on: boolean) =>
    action.run(
      async () => {
        await api.post(`${path}/${on ? "suspend" : "activate"}`);
        props.onChanged();
      },
      on ? `${nameOf(client)} is suspended.` : `${nameOf(client)} is active again.`,
    );

  return (
    <Section title={`Client ${nameOf(client)}`}>
      <Outcome outcome={action.outcome} />
      {secret ? (
        <SecretOnce
          label={`New secret of ${client.client_id}`}
          secret={secret}
          onDone={() => setSecret(undefined)}
        />
      ) : null}
      <Form label={`Settings of ${nameOf(client)}`} onSubmit={() => void save()}>
        <Field label="Name of the client" value={name} onChange={setName} />
        <TextArea label="Redirect URIs (one per line)" value={redirects} onChange={setRedirects} />
        <fieldset>
          <legend>Grant types</legend>
          {GRANTS.map((g) => (
            <label key={g} className="check">
              <input
                type="checkbox"
                checked={grants.includes(g)}
                onChange={(e) => setGrants(e.target.checked ? [...grants, g] : grants.filter((x) => x !== g))}
              />{" "}
              {short(g)}
            </label>
          ))}
        </fieldset>
        <Field label="Allowed scopes" value={scope} onChange={setScope} hint="Space-separated." />
        <Select
          label="Token endpoint authentication"
          value={method}
          onChange={setMethod}
          options={AUTH_METHODS.map((m) => ({ value: m, label: m }))}
        />
        {SECRET_METHODS.includes(method) && !hasSecret ? (
          <p className="muted">After saving, make a new secret: this client has none yet.</p>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={action.busy || grants.length === 0}>
            Save client
          </button>
        </div>
      </Form>
      <div className="actions">
        {hasSecret ? (
          <button type="button" className="secondary" disabled={action.busy} onClick={() => void rotate()}>
            Make a new secret
          </button>
        ) : null}
        {client.suspended_at ? (
          <button type="button" disabled={action.busy} onClick={() => void suspend(false)}>
            Activate client
          </button>
        ) : (
          <button type="button" className="danger" disabled={action.busy} onClick={() => void suspend(true)}>
            Suspend client
          </button>
        )}
      </div>
    </Section>
  );
}

/** Which client may exchange tokens issued to which (RFC 8693), and the scopes it may get at most. */
function ExchangePolicies(props: { clients: Client[] }) {
  const list = useLoad(() => api.get<{ items: ExchangePolicy[] }>("/token-exchange-policies"));
  const action = useAction();
  const [origin, setOrigin] = useState("*");
  const [destination, setDestination] = useState("*");
  const [refresh, setRefresh] = useState(false);
  const [ceiling, setCeiling] = useState("");
  const options = [
    { value: "*", label: "any client (*)" },
    ...props.clients.map((c) => ({ value: c.client_id, label: `${nameOf(c)} (${c.client_id})` })),
  ];
  const label = (id: string) => {
    const client = props.clients.find((c) => c.client_id === id);
    return id === "*" ? "any client" : client ? nameOf(client) : id;
  };

  const create = () =>
    action.run(async () => {
      await api.post("/token-exchange-policies", {
        origin_client_id: origin,
        destination_client_id: destination,
        allow_refresh: refresh,
        scope_ceiling: lines(ceiling),
      });
      setCeiling("");
      await list.reload();
    }, "Exchange policy created.");
  const remove = (p: ExchangePolicy) =>
    action.run(
      () => api.delete(`/token-exchange-policies/${encodeURIComponent(p.id)}`).then(list.reload),
      "Exchange policy deleted.",
    );

  return (
    <Section title="Token exchange policies">
      <Outcome outcome={action.outcome} />
      <LoadError error={list.error} />
      <Table
        caption="Who may exchange whose tokens"
        head={["Tokens issued to", "May be exchanged by", "Refresh", "Scope ceiling", ""]}
      >
        {list.data?.items.length === 0 ? <Empty columns={5} text="No exchange policies." /> : null}
        {list.data?.items.map((p) => (
          <tr key={p.id}>
            <td>{label(p.origin_client_id)}</td>
            <td>{label(p.destination_client_id)}</td>
            <td>{p.allow_refresh ? "yes" : "no"}</td>
            <td>
              <code>{p.scope_ceiling.join(" ") || "—"}</code>
            </td>
            <td>
              <button
                type="button"
                className="danger small"
                disabled={action.busy}
                onClick={() => void remove(p)}
                aria-label={`Delete the exchange policy from ${label(p.origin_client_id)} to ${label(p.destination_client_id)}`}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </Table>
      <Form label="Create an exchange policy" onSubmit={() => void create()}>
        <Select label="Tokens issued to" value={origin} onChange={setOrigin} options={options} />
        <Select label="May be exchanged by" value={destination} onChange={setDestination} options={options} />
        <label className="check">
          <input type="checkbox" checked={refresh} onChange={(e) => setRefresh(e.target.checked)} /> May get a
          refresh token
        </label>
        <Field
          label="Scope ceiling"
          value={ceiling}
          onChange={setCeiling}
          hint="Space-separated; empty: no bound beyond the subject token."
        />
        <div className="actions">
          <button type="submit" disabled={action.busy}>
            Create exchange policy
          </button>
        </div>
      </Form>
    </Section>
  );
}
