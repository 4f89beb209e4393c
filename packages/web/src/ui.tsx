import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";
import { ApiError } from "./api.js";

/** A date-time as the reader's locale shows it, or a dash. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/**
 * Loads data on mount, again whenever `key` changes, and on `reload()`; `error` holds the last
 * failure. Only the latest load's answer is kept: when a filter changes quickly, an earlier,
 * slower answer must not overwrite the newer one.
 */
export function useLoad<T>(load: () => Promise<T>, key = "") {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const loader = useRef(load);
  loader.current = load;
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    try {
      const loaded = await loader.current();
      if (ticket !== latest.current) return;
      setData(loaded);
      setError(undefined);
    } catch (failure) {
      if (ticket === latest.current) setError(messageOf(failure));
    }
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what the loader reads
  useEffect(() => {
    void reload();
  }, [reload, key]);
  return { data, error, reload };
}

/**
 * Runs an action, keeping its outcome for a status line: `run(fn, "Done.")`. The status is
 * announced to screen readers (role="status" / role="alert").
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const run = useCallback(async (action: () => Promise<unknown>, success?: string) => {
    setBusy(true);
    setOutcome(undefined);
    try {
      await action();
      if (success) setOutcome({ ok: true, text: success });
      return true;
    } catch (failure) {
      setOutcome({ ok: false, text: messageOf(failure) });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, outcome, run };
}

export function Outcome(props: { outcome: { ok: boolean; text: string } | undefined }) {
  if (!props.outcome) return null;
  return props.outcome.ok ? (
    <p className="notice" role="status">
      {props.outcome.text}
    </p>
  ) : (
    <p className="error" role="alert">
      {props.outcome.text}
    </p>
  );
}

export function LoadError(props: { error: string | undefined }) {
  return props.error ? (
    <p className="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function Section(props: { title: string; children: ReactNode; id?: string }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId} {...(props.id ? { id: props.id } : {})}>
      <h2 id={headingId}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A labelled text input (the label is a real <label for>). */
export function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  required?: boolean;
  placeholder?: string;
  hint?: string;
  name?: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required ?? false}
        onChange={(e) => props.onChange(e.target.value)}
        {...(props.name ? { name: props.name } : {})}
        {...(props.placeholder ? { placeholder: props.placeholder } : {})}
        {...(props.hint ? { "aria-describedby": hintId } : {})}
      />
      {props.hint ? (
        <p className="muted" id={hintId}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

export function TextArea(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  rows?: number;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        rows={props.rows ?? 3}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

export function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A form whose submit handler never reloads the page. */
export function Form(props: { label: string; onSubmit: () => void; children: ReactNode }) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit();
  };
  return (
    <form className="stack" aria-label={props.label} onSubmit={submit}>
      {props.children}
    </form>
  );
}

/** A secret shown once (a new token, a client secret), with a copy button. */
export function SecretOnce(props: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied(true);
    } catch {
      const field = document.getElementById(id);
      if (field instanceof HTMLInputElement) field.select();
    }
  };
  return (
    <div className="secret" role="status">
      <p>
        <strong>{props.label}</strong> — copy it now: it is shown only once.
      </p>
      <label htmlFor={id}>Secret</label>
      <input id={id} className="mono" readOnly value={props.secret} data-testid="secret" />
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" className="secondary" onClick={props.onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}

/** A table that scrolls sideways on a phone instead of breaking the page. */
export function Table(props: { caption: string; head: readonly string[]; children: ReactNode }) {
  return (
    // Focusable, so a keyboard can scroll it when it overflows on a narrow screen.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </section>
  );
}

export function Empty(props: { columns: number; text: string }) {
  return (
    <tr>
      <td colSpan={props.columns} className="muted">
        {props.text}
      </td>
    </tr>
  );
}

/**
 * Cursor paging: the cursor of every page seen, so going back needs nothing from the server.
 * `current` is the shown page's cursor (undefined: the first page); `reset` returns to the first
 * page when a filter changes.
 */
export function usePages<C>() {
  const [cursors, setCursors] = useState<C[]>([]);
  return {
    current: cursors[cursors.length - 1],
    reset: () => setCursors([]),
    back: cursors.length > 0 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    forward: (next: C) => setCursors([...cursors, next]),
  };
}

/** The two paging buttons: back through the pages seen, forward to `next` when there is one. */
export function PageButtons<C>(props: {
  pages: ReturnType<typeof usePages<C>>;
  next: C | undefined;
  labels?: readonly [back: string, forward: string];
}) {
  const { pages, next } = props;
  const [back, forward] = props.labels ?? ["Previous page", "Next page"];
  return (
    <div className="actions">
      <button type="button" className="secondary" disabled={!pages.back} onClick={pages.back}>
        {back}
      </button>
      <button
        type="button"
        className="secondary"
        disabled={next === undefined}
        onClick={() => next !== undefined && pages.forward(next)}
      >
        {forward}
      </button>
    </div>
  );
}

/** A reason field with Approve and Reject, for one row of a table of pending requests. */
export function Decision(props: {
  reasonLabel: string;
  reason: string;
  onReason: (reason: string) => void;
  busy: boolean;
  onApprove: () => void;
  onReject: () => void;
}) {
  const id = useId();
  return (
    <>
      <label className="inline" htmlFor={id}>
        {props.reasonLabel}
      </label>
      <input id={id} type="text" value={props.reason} onChange={(e) => props.onReason(e.target.value)} />
      <div className="actions">
        <button type="button" className="small" disabled={props.busy} onClick={props.onApprove}>
          Approve
        </button>
        <button type="button" className="danger small" disabled={props.busy} onClick={props.onReject}>
          Reject
        </button>
      </div>
    </>
  );
}
