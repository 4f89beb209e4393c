import { type MouseEvent, type ReactNode, useEffect, useState } from "react";

/** Client-side routes under /dashboard; the server answers index.html for each of them. */
export const BASE = "/dashboard";

function currentPath(): string {
  const path = window.location.pathname.slice(BASE.length).replace(/\/+$/, "");
  return path === "" ? "/" : path;
}

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  window.history.pushState(null, "", `${BASE}${path === "/" ? "/" : path}`);
  for (const listener of listeners) listener();
}

/** The current dashboard path ("/", "/tokens", "/admin/users", …). */
export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

/** A link that changes the page without reloading it (a real link for new tabs and keyboards). */
export function Link(props: { to: string; children: ReactNode; current?: boolean }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a
      href={`${BASE}${props.to === "/" ? "/" : props.to}`}
      onClick={onClick}
      {...(props.current ? { "aria-current": "page" as const } : {})}
    >
      {props.children}
    </a>
  );
}
