import { useState } from "react";
import { api } from "../api.js";
import type { Group, GroupRequest, MyGroup, Page } from "../types.js";
import {
  Empty,
  Form,
  LoadError,
  Outcome,
  Section,
  Select,
  Table,
  TextArea,
  useAction,
  useLoad,
  when,
} from "../ui.js";

/** My memberships, membership requests (new and past), and withdrawing a pending one. */
export function GroupsPage() {
  const mine = useLoad(() => api.get<{ items: MyGroup[] }>("/me/groups"));
  const requests = useLoad(() => api.get<{ items: GroupRequest[] }>("/me/group-requests"));
  const all = useLoad(() => api.get<Page<Group>>("/groups?limit=500"));
  const action = useAction();
  const [groupId, setGroupId] = useState("");
  const [motivation, setMotivation] = useState("");

  const names = new Map((all.data?.items ?? []).map((g) => [g.id, g.name]));
  const member = new Set((mine.data?.items ?? []).map((m) => m.group_id));
  const requestable = (all.data?.items ?? []).filter((g) => !member.has(g.id));
  const chosen = groupId || requestable[0]?.id || "";

  const request = () =>
    action.run(async () => {
      await api.post("/me/group-requests", { group_id: chosen, motivation });
      setMotivation("");
      await requests.reload();
    }, "Your request was sent to the group's managers.");
  const withdraw = (r: GroupRequest) =>
    action.run(
      () => api.delete(`/me/group-requests/${encodeURIComponent(r.id)}`).then(requests.reload),
      "Withdrawn.",
    );

  return (
    <>
      <h1>Groups</h1>
      <Outcome outcome={action.outcome} />
      <Section title="Your groups">
        <LoadError error={mine.error} />
        <Table caption="Groups you belong to" head={["Group", "Kind", "Role", "Until"]}>
          {mine.data?.items.length === 0 ? <Empty columns={4} text="You are not in any group yet." /> : null}
          {mine.data?.items.map((m) => (
            <tr key={m.group_id}>
              <td>{m.group.name}</td>
              <td>{m.group.optional ? "optional" : "default"}</td>
              <td>{m.manager ? "manager" : "member"}</td>
              <td>{m.ends_at ? when(m.ends_at) : "—"}</td>
            </tr>
          ))}
        </Table>
      </Section>
      <Section title="Request membership">
        <LoadError error={all.error} />
        {requestable.length === 0 ? (
          <p>There is no other group to join.</p>
        ) : (
          <Form label="Request membership" onSubmit={() => void request()}>
            <Select
              label="Group"
              value={chosen}
              onChange={setGroupId}
              options={requestable.map((g) => ({ value: g.id, label: g.name }))}
            />
            <TextArea label="Motivation" value={motivation} onChange={setMotivation} />
            <div className="actions">
              <button type="submit" disabled={action.busy || motivation.trim() === ""}>
                Request membership
              </button>
            </div>
          </Form>
        )}
      </Section>
      <Section title="Your requests">
        <LoadError error={requests.error} />
        <Table caption="Your membership requests" head={["Group", "Asked", "Status", "Reason", ""]}>
          {requests.data?.items.length === 0 ? <Empty columns={5} text="No requests." /> : null}
          {requests.data?.items.map((r) => (
            <tr key={r.id}>
              <td>{names.get(r.group_id) ?? r.group_id}</td>
              <td>{when(r.created_at)}</td>
              <td>
                <span className={`badge badge-${r.status}`}>{r.status}</span>
              </td>
              <td>{r.reason ?? ""}</td>
              <td>
                {r.status === "pending" ? (
                  <button
                    type="button"
                    className="secondary small"
                    disabled={action.busy}
                    onClick={() => void withdraw(r)}
                    aria-label={`Withdraw the request for ${names.get(r.group_id) ?? r.group_id}`}
                  >
                    Withdraw
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}
