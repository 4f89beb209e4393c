import { useEffect, useId, useRef, useState } from "react";
import { api } from "../api.js";
import type { UserToken } from "../types.js";
import { Field, Form, Select } from "../ui.js";

export const EXPIRIES = [
  { value: "1", label: "1 day" },
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "never", label: "Never" },
] as const;

/** The `expires` of the API for a choice of EXPIRIES, counted from now. */
export function expiresFrom(choice: string): string | null {
  return choice === "never" ? null : new Date(Date.now() + Number(choice) * 86_400_000).toISOString();
}

/**
 * Edits a token in place: a new name, fewer (or narrower) scopes, another expiry. Only what
 * changed is sent; the server refuses wider scopes, so the form offers only the held ones.
 */
export function TokenEditor(props: {
  token: UserToken;
  busy: boolean;
  run: (action: () => Promise<unknown>, success?: string) => Promise<boolean>;
  onDone: () => void;
}) {
  const { token } = props;
  const [name, setName] = useState(token.name);
  const [kept, setKept] = useState<string[]>(token.scopes);
  const [narrower, setNarrower] = useState("");
  const [expiry, setExpiry] = useState("keep");
  const legend = useId();
  const box = useRef<HTMLDivElement>(null);
  // The editor opens below the list: take the keyboard there, so nobody has to hunt for it.
  useEffect(() => {
    box.current?.querySelector("input")?.focus();
  }, []);

  const scopes = [...kept, ...narrower.split(/\s+/).filter(Boolean)];
  const scopesChanged = scopes.length !== token.scopes.length || scopes.some((s, i) => s !== token.scopes[i]);
  const save = async () => {
    const changes = {
      ...(name.trim() !== token.name ? { name: name.trim() } : {}),
      ...(scopesChanged ? { scopes } : {}),
      ...(expiry === "keep" ? {} : { expires: expiresFrom(expiry) }),
    };
    const saved = await props.run(
      () => api.patch(`/me/tokens/${encodeURIComponent(token.key)}`, changes),
      `Saved ${name.trim()}.`,
    );
    if (saved) props.onDone();
  };

  return (
    <div ref={box}>
      <Form label={`Edit ${token.name}`} onSubmit={() => void save()}>
        <Field label="Token name" value={name} onChange={setName} required />
        <fieldset aria-labelledby={legend}>
          <legend id={legend}>Scopes to keep</legend>
          {token.scopes.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={kept.includes(s)}
                onChange={(e) =>
                  setKept((now) =>
                    e.target.checked
                      ? token.scopes.filter((t) => t === s || now.includes(t))
                      : now.filter((t) => t !== s),
                  )
                }
              />{" "}
              <code>{s}</code>
            </label>
          ))}
        </fieldset>
        <Field
          label="Narrower scopes"
          value={narrower}
          onChange={setNarrower}
          hint="Optional, space-separated, each within a scope the token holds (e.g. storage.read:/cms/2024 under storage.read:/cms)."
        />
        <Select
          label="Expiry"
          value={expiry}
          onChange={setExpiry}
          options={[
            {
              value: "keep",
              label: token.expires_at
                ? `Keep (${new Date(token.expires_at).toLocaleDateString()})`
                : "Keep (never)",
            },
            ...EXPIRIES.map((e) => ({
              value: e.value,
              label: e.value === "never" ? "Never" : `${e.label} from now`,
            })),
          ]}
        />
        <div className="actions">
          <button type="submit" disabled={props.busy || name.trim() === "" || scopes.length === 0}>
            Save changes
          </button>
          <button type="button" className="secondary" onClick={props.onDone}>
            Cancel
          </button>
        </div>
      </Form>
    </div>
  );
}
