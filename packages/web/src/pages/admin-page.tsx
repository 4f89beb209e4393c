import { Link } from "../router.js";
import type { Account } from "../types.js";
import { ClientsAdmin } from "./admin-clients.js";
import { GroupsAdmin } from "./admin-groups.js";
import { RegistrationsAdmin, UsersAdmin } from "./admin-people.js";
import { PoliciesAdmin } from "./admin-policies.js";
import { AuditAdmin, AupAdmin, KeysAdmin } from "./admin-system.js";
import { TokensAdmin } from "./admin-tokens.js";

const TABS = [
  { path: "/admin", title: "Registrations" },
  { path: "/admin/users", title: "Users" },
  { path: "/admin/groups", title: "Groups" },
  { path: "/admin/clients", title: "Clients" },
  { path: "/admin/tokens", title: "Service tokens" },
  { path: "/admin/policies", title: "Scope policies" },
  { path: "/admin/aup", title: "Acceptable use policy" },
  { path: "/admin/keys", title: "Signing keys" },
  { path: "/admin/audit", title: "Audit log" },
] as const;

/** Administration: one sub-page per tab. */
export function AdminPage(props: { path: string; me: Account }) {
  const tab = TABS.find((t) => t.path === props.path) ?? TABS[0];
  return (
    <>
      <h1>Administration: {tab.title}</h1>
      <nav aria-label="Administration" className="tabs">
        <ul>
          {TABS.map((t) => (
            <li key={t.path}>
              <Link to={t.path} current={t.path === tab.path}>
                {t.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Tab path={tab.path} me={props.me} />
    </>
  );
}

function Tab(props: { path: string; me: Account }) {
  switch (props.path) {
    case "/admin/users":
      return <UsersAdmin me={props.me} />;
    case "/admin/groups":
      return <GroupsAdmin />;
    case "/admin/clients":
      return <ClientsAdmin />;
    case "/admin/tokens":
      return <TokensAdmin />;
    case "/admin/policies":
      return <PoliciesAdmin />;
    case "/admin/aup":
      return <AupAdmin />;
    case "/admin/keys":
      return <KeysAdmin />;
    case "/admin/audit":
      return <AuditAdmin />;
    default:
      return <RegistrationsAdmin />;
  }
}
