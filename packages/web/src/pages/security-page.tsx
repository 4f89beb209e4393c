import { api, query } from "../api.js";
import type { ConsentInfo, SessionInfo, SignIn } from "../types-security.js";
import {
  Empty,
  LoadError,
  Outcome,
  PageButtons,
  Section,
  Table,
  useAction,
  useLoad,
  usePages,
  when,
} from "../ui.js";
import { TotpPanel } from "./totp-panel.js";

const HISTORY_PAGE = 20;

/** "Firefox on Linux" from a user agent string, falling back to the string itself. */
function device(userAgent: string | null): string {
  if (!userAgent) return "unknown";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrome\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : undefined;
  const system = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Windows/.test(userAgent)
        ? "Windows"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? (userAgent.length > 60 ? `${userAgent.slice(0, 60)}…` : userAgent);
}

function Sessions() {
  const sessions = useLoad(() => api.get<{ items: SessionInfo[] }>("/me/sessions"));
  const action = useAction();
  const end = (s: SessionInfo) =>
    action.run(
      () => api.delete(`/me/sessions/${encodeURIComponent(s.id)}`).then(sessions.reload),
      `Signed out ${device(s.user_agent)}.`,
    );
  const endOthers = () =>
    action.run(async () => {
      const answer = await api.post<{ ended: number }>("/me/sessions/end-others");
      await sessions.reload();
      return answer;
    }, "Signed out everywhere else.");
  const others = (sessions.data?.items ?? []).filter((s) => !s.current).length;
  return (
    <Section title="Where you are signed in">
      <LoadError error={sessions.error} />
      <Outcome outcome={action.outcome} />
      <Table caption="Your browser sessions" head={["Device", "Address", "Signed in", "Last active", ""]}>
        {sessions.data?.items.map((s) => (
          <tr key={s.id}>
            <td title={s.user_agent}>{device(s.user_agent)}</td>
            <td>{s.ip}</td>
            <td>{when(s.created_at)}</td>
            <td>{when(s.last_seen_at)}</td>
            <td>
              {s.current ? (
                <span className="badge">this browser</span>
              ) : (
                <button
                  type="button"
                  className="secondary small"
                  disabled={action.busy}
                  onClick={() => void end(s)}
                  aria-label={`Sign out ${device(s.user_agent)} from ${s.ip}`}
                >
                  Sign out
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={action.busy || others === 0}
          onClick={() => void endOthers()}
        >
          Sign out everywhere else
        </button>
      </div>
    </Section>
  );
}

function Consents() {
  const consents = useLoad(() => api.get<{ items: ConsentInfo[] }>("/me/consents"));
  const action = useAction();
  const name = (c: ConsentInfo) => c.client_name || c.client_id;
  const withdraw = (c: ConsentInfo) =>
    action.run(
      () => api.delete(`/me/consents/${encodeURIComponent(c.client_id)}`).then(consents.reload),
      `${name(c)} will ask again next time.`,
    );
  return (
    <Section title="Applications you allowed">
      <p className="muted">
        These applications may sign you in without asking. Taking it back also ends their offline access
        (refresh tokens).
      </p>
      <LoadError error={consents.error} />
      <Outcome outcome={action.outcome} />
      <Table caption="Applications you allowed" head={["Application", "Scopes", "Allowed", ""]}>
        {consents.data?.items.length === 0 ? <Empty columns={4} text="No applications." /> : null}
        {consents.data?.items.map((c) => (
          <tr key={c.client_id}>
            <td>{name(c)}</td>
            <td>
              <code>{c.scopes.join(" ")}</code>
            </td>
            <td>{when(c.updated_at)}</td>
            <td>
              <button
                type="button"
                className="danger small"
                disabled={action.busy}
                onClick={() => void withdraw(c)}
                aria-label={`Take back access for ${name(c)}`}
              >
                Take back
              </button>
            </td>
          </tr>
        ))}
      </Table>
    </Section>
  );
}

/** The sign-in history, a page at a time; the cursor is each page's `before`. */
function History() {
  const pages = usePages<number>();
  const before = pages.current;
  const history = useLoad(
    () =>
      api.get<{ items: SignIn[]; next?: number }>(`/me/sign-ins${query({ limit: HISTORY_PAGE, before })}`),
    String(before ?? ""),
  );
  return (
    <Section title="Sign-in history">
      <LoadError error={history.error} />
      <Table
        caption="Sign-ins to your account, newest first"
        head={["When", "How", "Result", "From", "Device"]}
      >
        {history.data?.items.length === 0 ? <Empty columns={5} text="No sign-ins." /> : null}
        {history.data?.items.map((h) => (
          <tr key={h.id}>
            <td>{when(h.at)}</td>
            <td>{h.method ?? ""}</td>
            <td>
              <span className={`badge badge-${h.result === "success" ? "approved" : "rejected"}`}>
                {h.result}
              </span>
              {h.reason ? <span className="muted"> {h.reason.replace(/_/g, " ")}</span> : null}
            </td>
            <td>{h.ip ?? ""}</td>
            <td title={h.user_agent ?? ""}>{device(h.user_agent)}</td>
          </tr>
        ))}
      </Table>
      <PageButtons pages={pages} next={history.data?.next} labels={["Newer", "Older"]} />
    </Section>
  );
}

/** Two-step sign-in, sessions, allowed applications and the sign-in history of the account. */
export function SecurityPage() {
  return (
    <>
      <h1>Security</h1>
      <TotpPanel />
      <Sessions />
      <Consents />
      <History />
    </>
  );
}
