import { useEffect, useState } from "react";
import { ApiError, api } from "./api.js";
import { AdminPage } from "./pages/admin-page.js";
import { GroupsPage } from "./pages/groups-page.js";
import { HomePage } from "./pages/home-page.js";
import { ManagerPage } from "./pages/manager-page.js";
import { SecurityPage } from "./pages/security-page.js";
import { TokensPage } from "./pages/tokens-page.js";
import { Link, usePath } from "./router.js";
import type { Account, Me } from "./types.js";
import { messageOf } from "./ui.js";

const PAGES = [
  { path: "/", title: "Profile" },
  { path: "/groups", title: "Groups" },
  { path: "/tokens", title: "Tokens" },
  { path: "/security", title: "Security" },
  { path: "/manage", title: "Requests to decide" },
] as const;

/** The dashboard frame: who is signed in, the navigation, and the page of the current path. */
export function App() {
  const path = usePath();
  const [me, setMe] = useState<Account | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);

  useEffect(() => {
    api
      .get<Me>("/me")
      .then((answer) => {
        if (answer.account) setMe(answer.account);
        else setFailure("This session has no account.");
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) {
          window.location.assign(`/login?rd=${encodeURIComponent(window.location.pathname)}`);
          return;
        }
        setFailure(messageOf(error));
      });
  }, []);

  const section = path.startsWith("/admin") ? "/admin" : path;
  const title =
    PAGES.find((p) => p.path === section)?.title ?? (section === "/admin" ? "Administration" : "");
  useEffect(() => {
    document.title = `${title || "Dashboard"} · Tessera`;
  }, [title]);

  if (failure)
    return (
      <main className="narrow">
        <p className="error" role="alert">
          {failure}
        </p>
      </main>
    );
  if (!me)
    return (
      <main className="narrow">
        <p role="status">Loading…</p>
      </main>
    );

  const nav = [...PAGES, ...(me.is_admin ? [{ path: "/admin", title: "Administration" }] : [])];
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">TESSERA</span>
        <nav aria-label="Dashboard">
          <ul>
            {nav.map((p) => (
              <li key={p.path}>
                <Link to={p.path} current={section === p.path}>
                  {p.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {me.username}
          <a href="/logout">Sign out</a>
        </span>
      </header>
      <main id="content" className="wide" tabIndex={-1}>
        <Page path={path} me={me} />
      </main>
    </>
  );
}

function Page(props: { path: string; me: Account }) {
  const { path, me } = props;
  if (path === "/") return <HomePage me={me} />;
  if (path === "/groups") return <GroupsPage />;
  if (path === "/tokens") return <TokensPage />;
  if (path === "/security") return <SecurityPage />;
  if (path === "/manage") return <ManagerPage me={me} />;
  if (path.startsWith("/admin") && me.is_admin) return <AdminPage path={path} me={me} />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no such page. <Link to="/">Back to your profile</Link>.
      </p>
    </>
  );
}
