import { useState } from "react";
import { api } from "../api.js";
import type { Client, Group, Page } from "../types.js";
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
  useAction,
  useLoad,
  when,
} from "../ui.js";

/** Groups: list (as a tree, by path), create, delete. */
export function GroupsAdmin() {
  const list = useLoad(() => api.get<Page<Group>>("/groups?limit=500"));
  const action = useAction();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState("default");

  const create = () =>
    action.run(async () => {
      await api.post("/groups", { name, description, optional: kind === "optional" });
      setName("");
      setDescription("");
      await list.reload();
    }, `Created ${name}.`);
  const remove = (g: Group) =>
    action.run(
      () => api.delete(`/groups/${encodeURIComponent(g.id)}`).then(list.reload),
      `Deleted ${g.name}.`,
    );

  return (
    <>
      <Outcome outcome={action.outcome} />
      <Section title="Create a group">
        <Form label="Create a group" onSubmit={() => void create()}>
          <Field
            label="Group name"
            value={name}
            onChange={setName}
            required
            placeholder="/cms/uscms"
            hint="The full path; a subgroup's parent must exist."
          />
          <Field label="Description" value={description} onChange={setDescription} />
          <Select
            label="Kind"
            value={kind}
            onChange={setKind}
            options={[
              { value: "default", label: "default (always in wlcg.groups)" },
              { value: "optional", label: "optional (only when asked for)" },
            ]}
          />
          <div className="actions">
            <button type="submit" disabled={action.busy || name === ""}>
              Create group
            </button>
          </div>
        </Form>
      </Section>
      <Section title="Groups">
        <LoadError error={list.error} />
        <Table caption="All groups" head={["Group", "Kind", "Description", "Created", ""]}>
          {list.data?.items.length === 0 ? <Empty columns={5} text="No groups yet." /> : null}
          {list.data?.items.map((g) => (
            <tr key={g.id}>
              <td>
                <span className="tree" data-depth={Math.min(g.name.split("/").length - 2, 4)}>
                  {g.name}
                </span>
              </td>
              <td>{g.optional ? "optional" : "default"}</td>
              <td>{g.description}</td>
              <td>{when(g.created_at)}</td>
              <td>
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void remove(g)}
                  aria-label={`Delete ${g.name}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}

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

/** OAuth clients: list, register (the secret is shown once), delete. */
export function ClientsAdmin() {
  const list = useLoad(() => api.get<Page<Client>>("/clients?limit=500"));
  const action = useAction();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<keyof typeof CLIENT_KINDS>("web");
  const [redirect, setRedirect] = useState("");
  const [scope, setScope] = useState("openid profile email offline_access wlcg wlcg.groups");
  const [secret, setSecret] = useState<{ id: string; secret: string } | undefined>(undefined);

  const create = () =>
    action.run(async () => {
      const created = await api.post<Client>("/clients", {
        client_name: name,
        ...CLIENT_KINDS[kind],
        ...(kind === "device" ? { application_type: "native" } : {}),
        ...(kind === "web" ? { redirect_uris: redirect.split(/\s+/).filter(Boolean) } : {}),
        scope,
      });
      if (created.client_secret) setSecret({ id: created.client_id, secret: created.client_secret });
      setName("");
      await list.reload();
    }, `Registered ${name}.`);
  const remove = (c: Client) =>
    action.run(
      () => api.delete(`/clients/${encodeURIComponent(c.client_id)}`).then(list.reload),
      `Deleted ${c.client_name ?? c.client_id}.`,
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
        <Table caption="Registered clients" head={["Client", "Client ID", "Grants", "Scopes", ""]}>
          {list.data?.items.length === 0 ? <Empty columns={5} text="No clients." /> : null}
          {list.data?.items.map((c) => (
            <tr key={c.client_id}>
              <td>{c.client_name ?? "—"}</td>
              <td>
                <code>{c.client_id}</code>
              </td>
              <td>
                {c.grant_types.map((g) => g.replace("urn:ietf:params:oauth:grant-type:", "")).join(", ")}
              </td>
              <td>
                <code>{c.scope ?? ""}</code>
              </td>
              <td>
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void remove(c)}
                  aria-label={`Delete client ${c.client_name ?? c.client_id}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}
