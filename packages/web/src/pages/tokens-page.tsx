import { useId, useState } from "react";
import { api, query } from "../api.js";
import type { TokenHistory, UserToken } from "../types.js";
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
import { EXPIRIES, expiresFrom, TokenEditor } from "./token-editor.js";

/** What an edit changed, as the token history records it (old and new values). */
type HistoryEntry = TokenHistory & {
  account_id?: string;
  old_values?: Record<string, unknown> | null;
  new_values?: Record<string, unknown> | null;
};

const shown = (value: unknown) =>
  value === null || value === undefined
    ? "never"
    : Array.isArray(value)
      ? value.join(" ")
      : typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)
        ? when(value)
        : String(value);

/** "name: a → b; scopes: x y → x" for an edit (only the fields that changed); empty otherwise. */
function change(h: HistoryEntry): string {
  if (h.action !== "edit" || !h.new_values) return "";
  const before = h.old_values ?? {};
  const after = h.new_values;
  return Object.keys(after)
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map(
      (field) =>
        `${field === "expiresAt" ? "expiry" : field}: ${shown(h.old_values?.[field])} → ${shown(h.new_values?.[field])}`,
    )
    .join("; ");
}

/**
 * User tokens for the gateway: create (secret shown once), list with last use, edit (name,
 * narrower scopes, expiry), revoke, and the history of every change.
 */
export function TokensPage() {
  const tokens = useLoad(() => api.get<{ items: UserToken[] }>("/me/tokens"));
  const offered = useLoad(() =>
    api.get<{ gateway_scopes: { scope: string; groups: string[] }[] }>("/me/tokens/scopes"),
  );
  const history = useLoad(() =>
    api.get<{ items: HistoryEntry[] }>(`/me/token-history${query({ limit: 50 })}`),
  );
  const action = useAction();
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const [other, setOther] = useState("");
  const [expiry, setExpiry] = useState("30");
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<UserToken | undefined>(undefined);
  const scopesLabel = useId();

  const names = new Map((tokens.data?.items ?? []).map((t) => [t.key, t.name]));
  const toggle = (scope: string, on: boolean) =>
    setPicked((now) => (on ? [...now, scope] : now.filter((s) => s !== scope)));
  const scopes = [...picked, ...other.split(/\s+/).filter(Boolean)];

  const create = () =>
    action.run(async () => {
      const expires = expiresFrom(expiry);
      const created = await api.post<{ token: string }>("/me/tokens", { name, scopes, expires });
      setSecret(created.token);
      setName("");
      setPicked([]);
      setOther("");
      await Promise.all([tokens.reload(), history.reload()]);
    }, "Token created.");
  const revoke = (t: UserToken) =>
    action.run(async () => {
      await api.delete(`/me/tokens/${encodeURIComponent(t.key)}`);
      await Promise.all([tokens.reload(), history.reload()]);
    }, `Revoked ${t.name}.`);

  return (
    <>
      <h1>Tokens</h1>
      <p className="muted">
        A token lets programs act as you at services behind the Tessera gateway: send it as{" "}
        <code>Authorization: Bearer …</code>.
      </p>
      <Outcome outcome={action.outcome} />
      {secret ? (
        <SecretOnce label="Your new token" secret={secret} onDone={() => setSecret(undefined)} />
      ) : null}
      <Section title="Create a token">
        <LoadError error={offered.error} />
        <Form label="Create a token" onSubmit={() => void create()}>
          <Field
            label="Name"
            value={name}
            onChange={setName}
            required
            hint="What it is for, e.g. “laptop notebook”."
          />
          <fieldset aria-labelledby={scopesLabel}>
            <legend id={scopesLabel}>Scopes from your groups</legend>
            {offered.data?.gateway_scopes.length === 0 ? (
              <p className="muted">Your groups grant no gateway scopes.</p>
            ) : null}
            {offered.data?.gateway_scopes.map((s) => (
              <label key={s.scope} className="check">
                <input
                  type="checkbox"
                  checked={picked.includes(s.scope)}
                  onChange={(e) => toggle(s.scope, e.target.checked)}
                />{" "}
                <code>{s.scope}</code> <span className="muted">from {s.groups.join(", ")}</span>
              </label>
            ))}
          </fieldset>
          <Field
            label="Other scopes"
            value={other}
            onChange={setOther}
            hint="Space-separated; the scope policies must permit them (e.g. storage.read:/cms)."
          />
          <Select label="Expires after" value={expiry} onChange={setExpiry} options={EXPIRIES} />
          <div className="actions">
            <button type="submit" disabled={action.busy || name.trim() === "" || scopes.length === 0}>
              Create token
            </button>
          </div>
        </Form>
      </Section>
      <Section title="Your tokens">
        <LoadError error={tokens.error} />
        <Table caption="Your tokens" head={["Name", "Scopes", "Created", "Last used", "Expires", ""]}>
          {tokens.data?.items.length === 0 ? <Empty columns={6} text="No tokens." /> : null}
          {tokens.data?.items.map((t) => (
            <tr key={t.key}>
              <td>
                {t.name}
                {t.kind !== "user" ? <span className="badge">{t.kind}</span> : null}
              </td>
              <td>
                <code>{t.scopes.join(" ")}</code>
              </td>
              <td>{when(t.created_at)}</td>
              <td>{t.last_used_at ? when(t.last_used_at) : "never"}</td>
              <td>{t.expires_at ? when(t.expires_at) : "never"}</td>
              <td className="row-actions">
                {t.kind === "user" || t.kind === "service" ? (
                  <button
                    type="button"
                    className="secondary small"
                    disabled={action.busy}
                    onClick={() => setEditing(t)}
                    aria-label={`Edit ${t.name}`}
                  >
                    Edit
                  </button>
                ) : null}
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void revoke(t)}
                  aria-label={`Revoke ${t.name}`}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </Table>
      </Section>
      {editing ? (
        <Section title={`Edit token ${editing.name}`}>
          <TokenEditor
            key={editing.key}
            token={editing}
            busy={action.busy}
            run={action.run}
            onDone={() => {
              setEditing(undefined);
              void Promise.all([tokens.reload(), history.reload()]);
            }}
          />
        </Section>
      ) : null}
      <Section title="Token history">
        <LoadError error={history.error} />
        <Table
          caption="Changes to your tokens, newest first"
          head={["When", "Token", "Action", "Change", "By", "From"]}
        >
          {history.data?.items.length === 0 ? <Empty columns={6} text="No history yet." /> : null}
          {history.data?.items.map((h) => (
            <tr key={h.id}>
              <td>{when(h.at)}</td>
              <td>{names.get(h.token_key) ?? h.token_key}</td>
              <td>{h.action}</td>
              <td>{change(h)}</td>
              <td>{h.actor === h.account_id ? "you" : h.actor}</td>
              <td>{h.ip ?? ""}</td>
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}
