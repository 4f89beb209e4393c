import { useState } from "react";
import { api, query } from "../api.js";
import type { Decision, Policy } from "../types.js";
import { Empty, Field, Form, LoadError, Outcome, Section, Select, Table, useAction, useLoad } from "../ui.js";

/** Scope policies: list, create, delete; and "explain": which policy decides each scope for an account. */
export function PoliciesAdmin() {
  const list = useLoad(() => api.get<{ items: Policy[] }>("/policies"));
  const action = useAction();
  const [rule, setRule] = useState("permit");
  const [matching, setMatching] = useState("exact");
  const [scopes, setScopes] = useState("");
  const [description, setDescription] = useState("");
  const [accountId, setAccountId] = useState("");
  const [groupId, setGroupId] = useState("");
  const [who, setWho] = useState("");
  const [asked, setAsked] = useState("");
  const [explained, setExplained] = useState<{ username: string; decisions: Decision[] } | undefined>(
    undefined,
  );
  const explainAction = useAction();

  const create = () =>
    action.run(async () => {
      await api.post("/policies", {
        rule,
        matching,
        description,
        scopes: scopes.split(/\s+/).filter(Boolean),
        account_id: accountId || null,
        group_id: groupId || null,
      });
      setScopes("");
      setDescription("");
      await list.reload();
    }, "Policy created.");
  const remove = (p: Policy) =>
    action.run(
      () => api.delete(`/policies/${encodeURIComponent(p.id)}`).then(list.reload),
      "Policy deleted.",
    );
  const explain = () =>
    explainAction.run(async () => {
      const id = await accountIdOf(who).catch(() => who);
      setExplained(await api.get(`/policies/explain${query({ account_id: id, scope: asked })}`));
    });

  return (
    <>
      <Outcome outcome={action.outcome} />
      <Section title="Explain">
        <p className="muted">Which scopes would this account get, and which policy decides each one?</p>
        <Form label="Explain scope decisions" onSubmit={() => void explain()}>
          <Field label="Account (username or id)" value={who} onChange={setWho} required />
          <Field
            label="Scopes to explain"
            value={asked}
            onChange={setAsked}
            required
            hint="Space-separated, as a client would ask."
          />
          <div className="actions">
            <button type="submit" disabled={explainAction.busy || who === "" || asked === ""}>
              Explain
            </button>
          </div>
        </Form>
        <Outcome outcome={explainAction.outcome} />
        {explained ? (
          <Table caption={`Decisions for ${explained.username}`} head={["Scope", "Decision", "Level", "Why"]}>
            {explained.decisions.map((d) => (
              <tr key={d.scope} data-testid="decision">
                <td>
                  <code>{d.scope}</code>
                </td>
                <td>
                  <span className={`badge badge-${d.permitted ? "permitted" : "denied"}`}>
                    {d.permitted ? "permitted" : "denied"}
                  </span>
                </td>
                <td>{d.level ?? "—"}</td>
                <td>{d.reason}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </Section>
      <Section title="Create a policy">
        <Form label="Create a policy" onSubmit={() => void create()}>
          <Select
            label="Rule"
            value={rule}
            onChange={setRule}
            options={[
              { value: "permit", label: "permit" },
              { value: "deny", label: "deny" },
            ]}
          />
          <Select
            label="Matching"
            value={matching}
            onChange={setMatching}
            options={[
              { value: "exact", label: "exact" },
              { value: "path", label: "path (storage scopes: the path and below)" },
              { value: "regex", label: "regular expression" },
            ]}
          />
          <Field label="Policy scopes" value={scopes} onChange={setScopes} required hint="Space-separated." />
          <Field label="Account id (empty: everyone)" value={accountId} onChange={setAccountId} />
          <Field label="Group id (empty: everyone)" value={groupId} onChange={setGroupId} />
          <Field label="Description" value={description} onChange={setDescription} />
          <div className="actions">
            <button type="submit" disabled={action.busy || scopes.trim() === ""}>
              Create policy
            </button>
          </div>
        </Form>
      </Section>
      <Section title="Policies">
        <LoadError error={list.error} />
        <Table
          caption="Scope policies"
          head={["Rule", "Scopes", "Matching", "Applies to", "Description", ""]}
        >
          {list.data?.items.length === 0 ? (
            <Empty columns={6} text="No policies: every scope is permitted." />
          ) : null}
          {list.data?.items.map((p) => (
            <tr key={p.id}>
              <td>
                <span className={`badge badge-${p.rule === "permit" ? "permitted" : "denied"}`}>
                  {p.rule}
                </span>
              </td>
              <td>
                <code>{p.scopes.join(" ")}</code>
              </td>
              <td>{p.matching}</td>
              <td>
                {p.account_id ? `account ${p.account_id}` : p.group_id ? `group ${p.group_id}` : "everyone"}
              </td>
              <td>{p.description}</td>
              <td>
                <button
                  type="button"
                  className="danger small"
                  disabled={action.busy}
                  onClick={() => void remove(p)}
                  aria-label={`Delete the ${p.rule} policy for ${p.scopes.join(" ")}`}
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

/** The id of the account with this username (walking the username-ordered list from just before it). */
async function accountIdOf(username: string): Promise<string> {
  const before = username.slice(0, -1);
  const page = await api.get<{ items: { id: string; username: string }[] }>(
    `/accounts${query({ after: before, limit: 50 })}`,
  );
  const found = page.items.find((a) => a.username === username);
  if (!found) throw new Error(`no account named ${username}`);
  return found.id;
}
