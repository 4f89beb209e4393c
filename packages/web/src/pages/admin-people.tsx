import { useState } from "react";
import { api, query } from "../api.js";
import type { Account, Group, MyGroup, Page, Registration } from "../types.js";
import {
  Decision,
  Empty,
  Field,
  Form,
  LoadError,
  Outcome,
  PageButtons,
  Section,
  Select,
  Table,
  useAction,
  useLoad,
  usePages,
  when,
} from "../ui.js";
import { endOfDay } from "./group-members.js";

/** Sign-up requests waiting for an administrator. */
export function RegistrationsAdmin() {
  const list = useLoad(() =>
    api.get<Page<Registration>>(`/registrations${query({ status: "pending", limit: 100 })}`),
  );
  const action = useAction();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const approve = (r: Registration) =>
    action.run(
      () => api.post(`/registrations/${encodeURIComponent(r.id)}/approve`).then(list.reload),
      `Approved ${r.username}.`,
    );
  const reject = (r: Registration) =>
    action.run(
      () =>
        api
          .post(`/registrations/${encodeURIComponent(r.id)}/reject`, {
            reason: reasons[r.id] || "not eligible",
          })
          .then(list.reload),
      `Rejected ${r.username}.`,
    );
  return (
    <Section title="Pending registrations">
      <Outcome outcome={action.outcome} />
      <LoadError error={list.error} />
      <Table
        caption="Registrations waiting for a decision"
        head={["Who", "Email", "Notes", "Asked", "Decision"]}
      >
        {list.data?.items.length === 0 ? <Empty columns={5} text="No pending registrations." /> : null}
        {list.data?.items.map((r) => (
          <tr key={r.id}>
            <td>
              {r.name} (<code>{r.username}</code>)
            </td>
            <td>
              {r.email} {r.email_confirmed_at ? "" : <span className="badge">unconfirmed</span>}
            </td>
            <td className="prewrap">{r.notes}</td>
            <td>{when(r.created_at)}</td>
            <td>
              <Decision
                reasonLabel="Reason (for a rejection)"
                reason={reasons[r.id] ?? ""}
                onReason={(reason) => setReasons({ ...reasons, [r.id]: reason })}
                busy={action.busy}
                onApprove={() => void approve(r)}
                onReject={() => void reject(r)}
              />
            </td>
          </tr>
        ))}
      </Table>
    </Section>
  );
}

/**
 * Accounts, a page at a time (sorted by username), optionally only those matching a search:
 * suspend, activate, set an end date, and open one account's groups. Also creates accounts,
 * which is how bot accounts for service tokens come about.
 */
export function UsersAdmin(props: { me: Account }) {
  const [search, setSearch] = useState("");
  const pages = usePages<string>();
  const after = pages.current;
  const list = useLoad(
    () => api.get<Page<Account>>(`/accounts${query({ limit: 25, after, q: search.trim() })}`),
    `${after ?? ""}|${search}`,
  );
  const action = useAction();
  const [ends, setEnds] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<Account | undefined>(undefined);

  const change = (a: Account, body: Record<string, unknown>, text: string) =>
    action.run(() => api.patch(`/accounts/${encodeURIComponent(a.id)}`, body).then(list.reload), text);
  const setEnd = (a: Account) =>
    change(
      a,
      { ends_at: endOfDay(ends[a.id] ?? a.ends_at?.slice(0, 10) ?? "") },
      `End date of ${a.username} saved.`,
    );

  return (
    <>
      <Section title="Users">
        <Outcome outcome={action.outcome} />
        <div className="toolbar">
          <Field
            label="Search users"
            value={search}
            onChange={(v) => {
              pages.reset();
              setSearch(v);
            }}
            hint="Part of a username, name or email."
          />
        </div>
        <LoadError error={list.error} />
        <Table caption="Accounts" head={["User", "Email", "Status", "Ends", "Actions"]}>
          {list.data?.items.length === 0 ? <Empty columns={5} text="No accounts." /> : null}
          {list.data?.items.map((a) => (
            <tr key={a.id}>
              <td>
                {a.name} (<code>{a.username}</code>){" "}
                {a.is_admin ? <span className="badge">admin</span> : null}
              </td>
              <td>{a.email}</td>
              <td>
                <span className={`badge badge-${a.status}`}>{a.status}</span>
              </td>
              <td>
                <label className="inline" htmlFor={`end-${a.id}`}>
                  End date of {a.username}
                </label>
                <input
                  id={`end-${a.id}`}
                  type="date"
                  value={ends[a.id] ?? a.ends_at?.slice(0, 10) ?? ""}
                  onChange={(e) => setEnds({ ...ends, [a.id]: e.target.value })}
                />
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy}
                  aria-label={`Save date for ${a.username}`}
                  onClick={() => void setEnd(a)}
                >
                  Save date
                </button>
              </td>
              <td>
                <div className="actions">
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Groups of ${a.username}`}
                    aria-pressed={selected?.id === a.id}
                    onClick={() => setSelected(selected?.id === a.id ? undefined : a)}
                  >
                    Groups
                  </button>
                  {a.id === props.me.id ? (
                    <span className="muted">you</span>
                  ) : a.status === "suspended" ? (
                    <button
                      type="button"
                      className="small"
                      disabled={action.busy}
                      aria-label={`Activate ${a.username}`}
                      onClick={() => void change(a, { status: "active" }, `${a.username} is active.`)}
                    >
                      Activate
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="danger small"
                      disabled={action.busy}
                      aria-label={`Suspend ${a.username}`}
                      onClick={() => void change(a, { status: "suspended" }, `${a.username} is suspended.`)}
                    >
                      Suspend
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </Table>
        <PageButtons pages={pages} next={list.data?.next} />
      </Section>
      {selected ? <UserGroups key={selected.id} account={selected} /> : null}
      <NewAccount onCreated={() => void list.reload()} />
    </>
  );
}

/** One account's memberships in force: add to a group, set or clear an end date, remove. */
function UserGroups(props: { account: Account }) {
  const { account } = props;
  const mine = useLoad(() =>
    api.get<{ items: MyGroup[] }>(`/accounts/${encodeURIComponent(account.id)}/groups`),
  );
  const all = useLoad(() => api.get<Page<Group>>("/groups?limit=500"));
  const action = useAction();
  const [group, setGroup] = useState("");
  const [end, setEnd] = useState("");
  const [ends, setEnds] = useState<Record<string, string>>({});
  const member = (groupId: string) =>
    `/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(account.id)}`;
  const joined = new Set(mine.data?.items.map((m) => m.group_id));
  const nameOf = (groupId: string) => all.data?.items.find((g) => g.id === groupId)?.name ?? groupId;

  const put = (groupId: string, endsAt: string | null, text: string) =>
    action.run(() => api.put(member(groupId), { ends_at: endsAt }).then(mine.reload), text);
  const add = () =>
    action.run(
      async () => {
        await api.put(member(group), { ends_at: endOfDay(end) });
        setGroup("");
        setEnd("");
        await mine.reload();
      },
      `Added ${account.username} to ${nameOf(group)}.`,
    );
  const remove = (m: MyGroup) =>
    action.run(
      () => api.delete(member(m.group_id)).then(mine.reload),
      `Removed ${account.username} from ${m.group.name}.`,
    );

  return (
    <Section title={`Groups of ${account.username}`}>
      <Outcome outcome={action.outcome} />
      <LoadError error={mine.error ?? all.error} />
      <Table caption={`Groups of ${account.username}`} head={["Group", "Role", "End date", "Actions"]}>
        {mine.data?.items.length === 0 ? <Empty columns={4} text="In no group." /> : null}
        {mine.data?.items.map((m) => (
          <tr key={m.group_id}>
            <td>{m.group.name}</td>
            <td>{m.manager ? <span className="badge">manager</span> : "member"}</td>
            <td>
              <label className="inline" htmlFor={`group-end-${m.group_id}`}>
                End of the membership in {m.group.name}
              </label>
              <input
                id={`group-end-${m.group_id}`}
                type="date"
                value={ends[m.group_id] ?? m.ends_at?.slice(0, 10) ?? ""}
                onChange={(e) => setEnds({ ...ends, [m.group_id]: e.target.value })}
              />
              <div className="actions">
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy}
                  aria-label={`Save date for ${m.group.name}`}
                  onClick={() =>
                    void put(
                      m.group_id,
                      endOfDay(ends[m.group_id] ?? m.ends_at?.slice(0, 10) ?? ""),
                      `End date in ${m.group.name} saved.`,
                    )
                  }
                >
                  Save date
                </button>
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy || m.ends_at === null}
                  aria-label={`Clear the end of the membership in ${m.group.name}`}
                  onClick={() => {
                    setEnds({ ...ends, [m.group_id]: "" });
                    void put(m.group_id, null, `The membership in ${m.group.name} has no end date now.`);
                  }}
                >
                  Clear
                </button>
              </div>
            </td>
            <td>
              <button
                type="button"
                className="danger small"
                disabled={action.busy}
                aria-label={`Remove ${account.username} from ${m.group.name}`}
                onClick={() => void remove(m)}
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </Table>
      <Form label={`Add ${account.username} to a group`} onSubmit={() => void add()}>
        <Select
          label="Group to join"
          value={group}
          onChange={setGroup}
          options={[
            { value: "", label: "Choose a group" },
            ...(all.data?.items ?? [])
              .filter((g) => !joined.has(g.id))
              .map((g) => ({ value: g.id, label: g.name })),
          ]}
        />
        <Field label="Until (optional)" type="date" value={end} onChange={setEnd} />
        <div className="actions">
          <button type="submit" disabled={action.busy || group === ""}>
            Add to group
          </button>
        </div>
      </Form>
    </Section>
  );
}

/** A new account without a password (people set one by password reset; bots never sign in). */
function NewAccount(props: { onCreated: () => void }) {
  const action = useAction();
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const create = () =>
    action.run(async () => {
      await api.post("/accounts", { username: username.trim().toLowerCase(), name, email });
      setUsername("");
      setName("");
      setEmail("");
      props.onCreated();
    }, `Created ${username.trim().toLowerCase()}.`);
  return (
    <Section title="Create an account">
      <Outcome outcome={action.outcome} />
      <Form label="Create an account" onSubmit={() => void create()}>
        <Field
          label="New username"
          value={username}
          onChange={setUsername}
          required
          hint="For a bot or service account (service tokens), start it with bot-."
        />
        <Field label="Full name" value={name} onChange={setName} required />
        <Field label="Email" type="email" value={email} onChange={setEmail} required />
        <div className="actions">
          <button type="submit" disabled={action.busy || username === "" || name === "" || email === ""}>
            Create account
          </button>
        </div>
      </Form>
    </Section>
  );
}
