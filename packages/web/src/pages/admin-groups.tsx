import { useState } from "react";
import { api } from "../api.js";
import type { Group, Page } from "../types.js";
import {
  Empty,
  Field,
  Form,
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

const KINDS = [
  { value: "default", label: "default (always in wlcg.groups)" },
  { value: "optional", label: "optional (only when asked for)" },
] as const;

/** Groups: the tree (rows sorted by path, indented by depth), create, delete, and one group's settings. */
export function GroupsAdmin() {
  const list = useLoad(() => api.get<Page<Group>>("/groups?limit=500"));
  const action = useAction();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState("default");
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const current = list.data?.items.find((g) => g.id === selected);

  const create = () =>
    action.run(async () => {
      await api.post("/groups", { name, description, optional: kind === "optional" });
      setName("");
      setDescription("");
      await list.reload();
    }, `Created ${name}.`);
  const remove = (g: Group) =>
    action.run(async () => {
      await api.delete(`/groups/${encodeURIComponent(g.id)}`);
      if (selected === g.id) setSelected(undefined);
      await list.reload();
    }, `Deleted ${g.name}.`);

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
          <Select label="Kind" value={kind} onChange={setKind} options={KINDS} />
          <div className="actions">
            <button type="submit" disabled={action.busy || name === ""}>
              Create group
            </button>
          </div>
        </Form>
      </Section>
      <Section title="Groups">
        <LoadError error={list.error} />
        <Table caption="All groups" head={["Group", "Kind", "Description", "Created", "Actions"]}>
          {list.data?.items.length === 0 ? <Empty columns={5} text="No groups yet." /> : null}
          {list.data?.items.map((g) => (
            <tr key={g.id} data-testid="group-row">
              <td>
                <span className="tree" data-depth={Math.min(g.name.split("/").length - 2, 4)}>
                  {g.name}
                </span>
              </td>
              <td>{g.optional ? "optional" : "default"}</td>
              <td>{g.description}</td>
              <td>{when(g.created_at)}</td>
              <td>
                <div className="actions">
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Manage ${g.name}`}
                    aria-pressed={g.id === selected}
                    onClick={() => setSelected(g.id === selected ? undefined : g.id)}
                  >
                    Manage
                  </button>
                  <button
                    type="button"
                    className="danger small"
                    disabled={action.busy}
                    onClick={() => void remove(g)}
                    aria-label={`Delete ${g.name}`}
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </Table>
      </Section>
      {current && list.data ? (
        <GroupSettings
          key={current.id}
          group={current}
          groups={list.data.items}
          onChanged={() => void list.reload()}
        />
      ) : null}
    </>
  );
}

/** One group: description and kind, its place in the tree, and its members and managers. */
function GroupSettings(props: { group: Group; groups: Group[]; onChanged: () => void }) {
  const { group } = props;
  const action = useAction();
  const [description, setDescription] = useState(group.description);
  const [kind, setKind] = useState(group.optional ? "optional" : "default");
  const [parent, setParent] = useState(group.parent_id ?? "");
  // Not under itself or its own subgroups (the API refuses that too).
  const parents = props.groups.filter((g) => g.id !== group.id && !g.name.startsWith(`${group.name}/`));
  const path = `/groups/${encodeURIComponent(group.id)}`;

  const save = () =>
    action.run(async () => {
      await api.patch(path, { description, optional: kind === "optional" });
      props.onChanged();
    }, `Saved ${group.name}.`);
  const move = () =>
    action.run(async () => {
      const moved = await api.patch<Group>(path, { parent_id: parent === "" ? null : parent });
      props.onChanged();
      return moved;
    }, "Moved the group; it and its subgroups have new names.");

  return (
    <>
      <Section title={`Group ${group.name}`}>
        <Outcome outcome={action.outcome} />
        <Form label={`Settings of ${group.name}`} onSubmit={() => void save()}>
          <Field label="Group description" value={description} onChange={setDescription} />
          <Select label="Group kind" value={kind} onChange={setKind} options={KINDS} />
          <div className="actions">
            <button type="submit" disabled={action.busy}>
              Save settings
            </button>
          </div>
        </Form>
        <Form label={`Move ${group.name}`} onSubmit={() => void move()}>
          <Select
            label="Parent group"
            value={parent}
            onChange={setParent}
            options={[
              { value: "", label: "(top level)" },
              ...parents.map((g) => ({ value: g.id, label: g.name })),
            ]}
          />
          <p className="muted">
            Moving renames the group and its subgroups (their paths change in new tokens); members, managers
            and scope policies stay with them.
          </p>
          <div className="actions">
            <button type="submit" disabled={action.busy || parent === (group.parent_id ?? "")}>
              Move group
            </button>
          </div>
        </Form>
      </Section>
      <GroupMembers group={group} admin />
    </>
  );
}
