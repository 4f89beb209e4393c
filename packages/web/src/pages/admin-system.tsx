import { useEffect, useState } from "react";
import { ApiError, api, query } from "../api.js";
import type { AuditEvent, Page, SigningKey } from "../types.js";
import {
  Empty,
  Field,
  Form,
  LoadError,
  Outcome,
  Section,
  Table,
  TextArea,
  useAction,
  useLoad,
  when,
} from "../ui.js";

interface Aup {
  text: string;
  url: string | null;
  validity_days: number;
  updated_at: string | null;
}

/** The acceptable use policy: edit its text, link and how long a signature lasts. */
export function AupAdmin() {
  const current = useLoad(() =>
    api.get<Aup>("/aup").catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }),
  );
  const action = useAction();
  const [text, setText] = useState("");
  const [url, setUrl] = useState("");
  const [days, setDays] = useState("365");
  useEffect(() => {
    if (!current.data) return;
    setText(current.data.text);
    setUrl(current.data.url ?? "");
    setDays(String(current.data.validity_days));
  }, [current.data]);

  const save = () =>
    action.run(
      () => api.put("/aup", { text, url: url || null, validity_days: Number(days) }).then(current.reload),
      "Saved: everyone will be asked to sign the new text.",
    );
  return (
    <Section title="Acceptable use policy">
      <Outcome outcome={action.outcome} />
      <LoadError error={current.error} />
      <p className="muted">
        {current.data ? `Last changed ${when(current.data.updated_at)}.` : "No policy is set."}
      </p>
      <Form label="Edit the acceptable use policy" onSubmit={() => void save()}>
        <TextArea label="Policy text" value={text} onChange={setText} rows={10} />
        <Field label="Link to the full text" value={url} onChange={setUrl} type="url" />
        <Field
          label="Signature valid for (days)"
          value={days}
          onChange={setDays}
          type="number"
          hint="0: sign once."
        />
        <div className="actions">
          <button type="submit" disabled={action.busy || text.trim() === ""}>
            Save policy
          </button>
        </div>
      </Form>
    </Section>
  );
}

/** Signing keys and their rotation. */
export function KeysAdmin() {
  const keys = useLoad(() => api.get<{ items: SigningKey[] }>("/keys"));
  const action = useAction();
  const rotate = (immediate: boolean) =>
    action.run(
      () => api.post("/keys/rotate", { immediate }).then(keys.reload),
      immediate ? "A new key signs from now on." : "A new key was published; it signs after the usual delay.",
    );
  return (
    <Section title="Signing keys">
      <Outcome outcome={action.outcome} />
      <LoadError error={keys.error} />
      <Table
        caption="Signing keys"
        head={["Key id", "Algorithm", "State", "Created", "Signs from", "Signs until"]}
      >
        {keys.data?.items.length === 0 ? <Empty columns={6} text="No keys." /> : null}
        {keys.data?.items.map((k) => (
          <tr key={k.kid}>
            <td>
              <code>{k.kid}</code>
            </td>
            <td>{k.alg}</td>
            <td>
              <span className="badge">{k.state}</span>
            </td>
            <td>{when(k.created_at)}</td>
            <td>{when(k.signs_from)}</td>
            <td>{when(k.signs_until)}</td>
          </tr>
        ))}
      </Table>
      <div className="actions">
        <button type="button" disabled={action.busy} onClick={() => void rotate(false)}>
          Rotate
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={() => void rotate(true)}>
          Rotate now (key compromised)
        </button>
      </div>
    </Section>
  );
}

/** The audit trail, newest first, filtered by event and account. */
export function AuditAdmin() {
  const [event, setEvent] = useState("");
  const [accountId, setAccountId] = useState("");
  const [filter, setFilter] = useState({ event: "", account_id: "" });
  const [before, setBefore] = useState<number | undefined>(undefined);
  const list = useLoad(
    () => api.get<Page<AuditEvent>>(`/audit${query({ ...filter, limit: 50, before })}`),
    `${JSON.stringify(filter)}|${before ?? ""}`,
  );
  return (
    <Section title="Audit log">
      <Form
        label="Filter the audit log"
        onSubmit={() => {
          setBefore(undefined);
          setFilter({ event, account_id: accountId });
        }}
      >
        <div className="toolbar">
          <Field
            label="Event"
            value={event}
            onChange={setEvent}
            placeholder="login"
            hint="Exact event name, e.g. account.updated."
          />
          <Field label="Account id" value={accountId} onChange={setAccountId} />
        </div>
        <div className="actions">
          <button type="submit">Filter</button>
        </div>
      </Form>
      <LoadError error={list.error} />
      <Table caption="Audit events, newest first" head={["When", "Who", "Event", "Result", "Reason", "From"]}>
        {list.data?.items.length === 0 ? <Empty columns={6} text="No events." /> : null}
        {list.data?.items.map((e) => (
          <tr key={e.id}>
            <td>{when(e.at)}</td>
            <td>{e.username ?? "—"}</td>
            <td>
              <code>{e.event}</code>
            </td>
            <td>{e.result}</td>
            <td>{e.reason ?? ""}</td>
            <td>{e.ip ?? ""}</td>
          </tr>
        ))}
      </Table>
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={before === undefined}
          onClick={() => setBefore(undefined)}
        >
          Newest
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!list.data?.next}
          onClick={() => setBefore(Number(list.data?.next))}
        >
          Older
        </button>
      </div>
    </Section>
  );
}
