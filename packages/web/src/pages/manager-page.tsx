import { useState } from "react";
import { api } from "../api.js";
import type { Account, Group, GroupRequest, MyGroup, Page } from "../types.js";
import {
  Decision,
  Empty,
  LoadError,
  Outcome,
  Section,
  Select,
  Table,
  useAction,
  useLoad,
  when,
} from "../ui.js";
import { GroupMembers } from "./group-members.js";

interface Pending extends GroupRequest {
  groupName: string;
}

/** The groups I manage (every group, for an administrator). */
async function managedGroups(me: Account): Promise<Group[]> {
  return me.is_admin
    ? (await api.get<Page<Group>>("/groups?limit=500")).items
    : (await api.get<{ items: MyGroup[] }>("/me/groups")).items.filter((m) => m.manager).map((m) => m.group);
}

/**
 * Pending membership requests of the groups I manage, and their members with end dates (every
 * group, for an administrator).
 */
export function ManagerPage(props: { me: Account }) {
  const pending = useLoad(async () => {
    const groups = await managedGroups(props.me);
    const lists = await Promise.all(
      groups.map(async (g) => {
        const answer = await api.get<{ items: GroupRequest[] }>(
          `/groups/${encodeURIComponent(g.id)}/requests?status=pending`,
        );
        return answer.items.map((r): Pending => ({ ...r, groupName: g.name }));
      }),
    );
    return { groups, items: lists.flat() };
  });
  const [chosen, setChosen] = useState("");
  const action = useAction();
  const [reasons, setReasons] = useState<Record<string, string>>({});

  const decide = (r: Pending, approve: boolean) =>
    action.run(
      () =>
        api
          .post(`/group-requests/${encodeURIComponent(r.id)}/${approve ? "approve" : "reject"}`, {
            ...(reasons[r.id] ? { reason: reasons[r.id] } : {}),
          })
          .then(pending.reload),
      `${approve ? "Approved" : "Rejected"} the request for ${r.groupName}.`,
    );

  return (
    <>
      <h1>Requests to decide</h1>
      <Outcome outcome={action.outcome} />
      <Section title="Pending membership requests">
        <LoadError error={pending.error} />
        {pending.data?.groups.length === 0 ? <p>You manage no groups.</p> : null}
        <Table
          caption="Pending requests for the groups you manage"
          head={["Group", "Who", "Asked", "Motivation", "Decision"]}
        >
          {pending.data?.items.length === 0 ? (
            <Empty columns={5} text="Nothing waits for a decision." />
          ) : null}
          {pending.data?.items.map((r) => (
            <tr key={r.id}>
              <td>{r.groupName}</td>
              <td>
                {r.display_name ?? ""} (<code>{r.username ?? r.account_id}</code>)
              </td>
              <td>{when(r.created_at)}</td>
              <td className="prewrap">{r.motivation}</td>
              <td>
                <Decision
                  reasonLabel="Reason"
                  reason={reasons[r.id] ?? ""}
                  onReason={(reason) => setReasons({ ...reasons, [r.id]: reason })}
                  busy={action.busy}
                  onApprove={() => void decide(r, true)}
                  onReject={() => void decide(r, false)}
                />
              </td>
            </tr>
          ))}
        </Table>
      </Section>
      {pending.data && pending.data.groups.length > 0 ? (
        <>
          <Section title="Members of the groups you manage">
            <Select
              label="Group"
              value={chosen}
              onChange={setChosen}
              options={[
                { value: "", label: "Choose a group" },
                ...pending.data.groups.map((g) => ({ value: g.id, label: g.name })),
              ]}
            />
          </Section>
          {pending.data.groups
            .filter((g) => g.id === chosen)
            .map((g) => (
              <GroupMembers key={g.id} group={g} admin={props.me.is_admin} />
            ))}
        </>
      ) : null}
    </>
  );
}
