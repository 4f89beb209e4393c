import { useState } from "react";
import { api, query } from "../api.js";
import type { Account, Page, Registration } from "../types.js";
import { Empty, Field, LoadError, Outcome, Section, Table, useAction, useLoad, when } from "../ui.js";

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
              <label className="inline" htmlFor={`why-${r.id}`}>
                Reason (for a rejection)
              </label>
              <input
                id={`why-${r.id}`}
                type="text"
                value={reasons[r.id] ?? ""}
                onChange={(e) => setReasons({ ...reasons, [r.id]: e.target.value })}
              />
              <div className="actions">
                <button
                  type="button"
                  className="small"
                  disabled={action.busy}
                  onClick={() => void approve(r)}
                >
                  Approve
                </button>
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void reject(r)}
                >
                  Reject
                </button>
              </div>
            </td>
          </tr>
        ))}
      </Table>
    </Section>
  );
}

/** Accounts, a page at a time (sorted by username): suspend, activate, set an end date. */
export function UsersAdmin(props: { me: Account }) {
  const [from, setFrom] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const list = useLoad(
    () => api.get<Page<Account>>(`/accounts${query({ limit: 25, after: after ?? from })}`),
    `${after ?? ""}|${from}`,
  );
  const action = useAction();
  const [ends, setEnds] = useState<Record<string, string>>({});

  const change = (a: Account, body: Record<string, unknown>, text: string) =>
    action.run(() => api.patch(`/accounts/${encodeURIComponent(a.id)}`, body).then(list.reload), text);
  const setEnd = (a: Account) => {
    const day = ends[a.id] ?? "";
    return change(
      a,
      { ends_at: day ? new Date(`${day}T23:59:59Z`).toISOString() : null },
      `End date of ${a.username} saved.`,
    );
  };

  return (
    <Section title="Users">
      <Outcome outcome={action.outcome} />
      <div className="toolbar">
        <Field
          label="Start from username"
          value={from}
          onChange={(v) => {
            setCursors([]);
            setFrom(v);
          }}
          hint="Lists usernames after this text, in order."
        />
      </div>
      <LoadError error={list.error} />
      <Table caption="Accounts" head={["User", "Email", "Status", "Ends", "Actions"]}>
        {list.data?.items.length === 0 ? <Empty columns={5} text="No accounts." /> : null}
        {list.data?.items.map((a) => (
          <tr key={a.id}>
            <td>
              {a.name} (<code>{a.username}</code>) {a.is_admin ? <span className="badge">admin</span> : null}
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
                onClick={() => void setEnd(a)}
              >
                Save date
              </button>
            </td>
            <td>
              {a.id === props.me.id ? (
                <span className="muted">you</span>
              ) : a.status === "suspended" ? (
                <button
                  type="button"
                  className="small"
                  disabled={action.busy}
                  onClick={() => void change(a, { status: "active" }, `${a.username} is active.`)}
                >
                  Activate
                </button>
              ) : (
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void change(a, { status: "suspended" }, `${a.username} is suspended.`)}
                >
                  Suspend
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!list.data?.next}
          onClick={() => list.data?.next && setCursors([...cursors, list.data.next])}
        >
          Next page
        </button>
      </div>
    </Section>
  );
}
