import { useState } from "react";
import { api, query } from "../api.js";
import type { Account, AnyToken, Page } from "../types.js";
import {
  Empty,
  Field,
  Form,
  LoadError,
  Outcome,
  PageButtons,
  SecretOnce,
  Section,
  Select,
  Table,
  useAction,
  useLoad,
  usePages,
  when,
} from "../ui.js";
import { endOfDay, findAccount } from "./group-members.js";

/**
 * Service tokens for bot accounts (usernames starting bot-), and everyone's tokens: list by
 * owner and kind, revoke.
 */
export function TokensAdmin() {
  const action = useAction();
  const [bot, setBot] = useState("");
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState("");
  const [expires, setExpires] = useState("");
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [owner, setOwner] = useState("");
  const [kind, setKind] = useState("");
  const pages = usePages<string>();
  const after = pages.current;

  const list = useLoad(
    async () => {
      const account = owner.trim() ? await findAccount(owner) : undefined;
      const tokens = await api.get<Page<AnyToken>>(
        `/tokens${query({ account_id: account?.id, kind, limit: 50, after })}`,
      );
      // The list names owners by id; people read usernames.
      const ids = [...new Set(tokens.items.map((t) => t.account_id))];
      const owners = await Promise.all(
        ids.map((id) => api.get<Account>(`/accounts/${encodeURIComponent(id)}`).catch(() => undefined)),
      );
      const usernames = new Map(owners.flatMap((a) => (a ? [[a.id, a.username] as const] : [])));
      return { ...tokens, usernames };
    },
    `${owner}|${kind}|${after ?? ""}`,
  );

  const create = () =>
    action.run(async () => {
      const account = await findAccount(bot);
      const created = await api.post<{ token: string }>("/tokens", {
        account_id: account.id,
        name,
        scopes: scopes.split(/\s+/).filter(Boolean),
        ...(expires ? { expires: endOfDay(expires) } : {}),
      });
      setSecret(created.token);
      setName("");
      await list.reload();
    }, `Created the token ${name} for ${bot.trim().toLowerCase()}.`);
  const revoke = (t: AnyToken) =>
    action.run(
      () => api.delete(`/tokens/${encodeURIComponent(t.key)}`).then(list.reload),
      `Revoked ${t.name}.`,
    );

  return (
    <>
      <Outcome outcome={action.outcome} />
      {secret ? (
        <SecretOnce label="The new service token" secret={secret} onDone={() => setSecret(undefined)} />
      ) : null}
      <Section title="Create a service token">
        <Form label="Create a service token" onSubmit={() => void create()}>
          <Field
            label="Bot account"
            value={bot}
            onChange={setBot}
            required
            hint="A username starting bot-; create the account under Users first."
          />
          <Field label="Token name" value={name} onChange={setName} required />
          <Field
            label="Token scopes"
            value={scopes}
            onChange={setScopes}
            required
            hint="Space-separated; only scopes the bot's groups or the scope policies give it."
          />
          <Field label="Expires on (optional)" type="date" value={expires} onChange={setExpires} />
          <div className="actions">
            <button type="submit" disabled={action.busy || bot === "" || name === "" || scopes === ""}>
              Create service token
            </button>
          </div>
        </Form>
      </Section>
      <Section title="All tokens">
        <div className="toolbar">
          <Field
            label="Owner (username)"
            value={owner}
            onChange={(v) => {
              pages.reset();
              setOwner(v);
            }}
          />
          <Select
            label="Kind of token"
            value={kind}
            onChange={(v) => {
              pages.reset();
              setKind(v);
            }}
            options={[
              { value: "", label: "every kind" },
              { value: "user", label: "user" },
              { value: "service", label: "service" },
              { value: "internal", label: "internal (delegated)" },
              { value: "notebook", label: "notebook (delegated)" },
            ]}
          />
        </div>
        <LoadError error={list.error} />
        <Table
          caption="Tokens"
          head={["Owner", "Name", "Kind", "Scopes", "Created", "Last used", "Expires", ""]}
        >
          {list.data?.items.length === 0 ? <Empty columns={8} text="No tokens." /> : null}
          {list.data?.items.map((t) => (
            <tr key={t.key}>
              <td>
                <code>{list.data?.usernames.get(t.account_id) ?? t.account_id}</code>
              </td>
              <td>{t.name}</td>
              <td>{t.kind}</td>
              <td>
                <code>{t.scopes.join(" ")}</code>
              </td>
              <td>{when(t.created_at)}</td>
              <td>{when(t.last_used_at)}</td>
              <td>{when(t.expires_at)}</td>
              <td>
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void revoke(t)}
                  aria-label={`Revoke ${t.name} of ${list.data?.usernames.get(t.account_id) ?? t.account_id}`}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </Table>
        <PageButtons pages={pages} next={list.data?.next} />
      </Section>
    </>
  );
}
