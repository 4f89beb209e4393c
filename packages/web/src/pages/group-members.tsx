import { useState } from "react";
import { api, query } from "../api.js";
import type { Account, Group, Member, Page } from "../types.js";
import { Empty, Field, Form, LoadError, Outcome, Section, Table, useAction, useLoad } from "../ui.js";

/** A date input's day as the end of that day in UTC (an end date means "through that day"). */
export function endOfDay(day: string): string | null {
  return day ? new Date(`${day}T23:59:59Z`).toISOString() : null;
}

/** The account with exactly this username; the API only searches, so the match is checked here. */
export async function findAccount(username: string): Promise<Account> {
  const wanted = username.trim().toLowerCase();
  const found = await api.get<Page<Account>>(`/accounts${query({ q: wanted, limit: 100 })}`);
  const account = found.items.find((a) => a.username === wanted);
  if (!account) throw new Error(`There is no account with the username ${wanted}.`);
  return account;
}

/**
 * The members of one group: managers add members by username, set or clear end dates and remove
 * members; administrators also appoint or remove managers (the API refuses managers that).
 */
export function GroupMembers(props: { group: Group; admin: boolean }) {
  const { group, admin } = props;
  const path = `/groups/${encodeURIComponent(group.id)}/members`;
  const list = useLoad(() => api.get<Page<Member>>(`${path}?limit=500`), group.id);
  const action = useAction();
  const [ends, setEnds] = useState<Record<string, string>>({});
  const [username, setUsername] = useState("");
  const [newEnd, setNewEnd] = useState("");
  const [asManager, setAsManager] = useState(false);

  const put = (accountId: string, body: Record<string, unknown>, text: string) =>
    action.run(() => api.put(`${path}/${encodeURIComponent(accountId)}`, body).then(list.reload), text);
  const remove = (m: Member) =>
    action.run(
      () => api.delete(`${path}/${encodeURIComponent(m.account_id)}`).then(list.reload),
      `Removed ${m.username} from ${group.name}.`,
    );
  const add = () =>
    action.run(async () => {
      await api.post(path, {
        username: username.trim().toLowerCase(),
        ends_at: endOfDay(newEnd),
        ...(admin ? { manager: asManager } : {}),
      });
      setUsername("");
      setNewEnd("");
      setAsManager(false);
      await list.reload();
    }, `Added ${username.trim().toLowerCase()} to ${group.name}.`);

  return (
    <Section title={`Members of ${group.name}`}>
      <Outcome outcome={action.outcome} />
      <LoadError error={list.error} />
      <Table caption={`Members of ${group.name}`} head={["Member", "Role", "End date", "Actions"]}>
        {list.data?.items.length === 0 ? <Empty columns={4} text="No members." /> : null}
        {list.data?.items.map((m) => (
          <tr key={m.account_id}>
            <td>
              {m.display_name} (<code>{m.username}</code>)
            </td>
            <td>{m.manager ? <span className="badge">manager</span> : "member"}</td>
            <td>
              <label className="inline" htmlFor={`member-end-${m.account_id}`}>
                End date of {m.username}
              </label>
              <input
                id={`member-end-${m.account_id}`}
                type="date"
                value={ends[m.account_id] ?? m.ends_at?.slice(0, 10) ?? ""}
                onChange={(e) => setEnds({ ...ends, [m.account_id]: e.target.value })}
              />
              <div className="actions">
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy}
                  aria-label={`Save date for ${m.username}`}
                  onClick={() =>
                    void put(
                      m.account_id,
                      { ends_at: endOfDay(ends[m.account_id] ?? m.ends_at?.slice(0, 10) ?? "") },
                      `End date of ${m.username} saved.`,
                    )
                  }
                >
                  Save date
                </button>
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy || m.ends_at === null}
                  aria-label={`Clear the end date of ${m.username}`}
                  onClick={() => {
                    setEnds({ ...ends, [m.account_id]: "" });
                    void put(m.account_id, { ends_at: null }, `${m.username} has no end date now.`);
                  }}
                >
                  Clear
                </button>
              </div>
            </td>
            <td>
              <div className="actions">
                {admin ? (
                  <button
                    type="button"
                    className="secondary small"
                    disabled={action.busy}
                    onClick={() =>
                      void put(
                        m.account_id,
                        { manager: !m.manager },
                        m.manager
                          ? `${m.username} no longer manages ${group.name}.`
                          : `${m.username} manages ${group.name}.`,
                      )
                    }
                  >
                    {m.manager ? `Remove ${m.username} as manager` : `Make ${m.username} a manager`}
                  </button>
                ) : null}
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  aria-label={`Remove ${m.username} from ${group.name}`}
                  onClick={() => void remove(m)}
                >
                  Remove
                </button>
              </div>
            </td>
          </tr>
        ))}
      </Table>
      <Form label={`Add a member to ${group.name}`} onSubmit={() => void add()}>
        <Field label="Username to add" value={username} onChange={setUsername} required />
        <Field label="Membership end date (optional)" type="date" value={newEnd} onChange={setNewEnd} />
        {admin ? (
          <label className="check">
            <input type="checkbox" checked={asManager} onChange={(e) => setAsManager(e.target.checked)} />{" "}
            Manager of the group
          </label>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={action.busy || username.trim() === ""}>
            Add member
          </button>
        </div>
      </Form>
    </Section>
  );
}
