/** The one stylesheet of the server-rendered pages, served at /static/tessera.css (CSP forbids inline styles). */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #f6f7f9; --card: #fff; --accent: #0b5cad; --err: #a4161a; --muted: #57606a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --card: #161b22; --accent: #58a6ff; --err: #ff7b72; --muted: #9da7b3; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 28rem; margin: 8vh auto; padding: 2rem; background: var(--card); border-radius: 12px; box-shadow: 0 1px 3px rgb(0 0 0 / 15%); }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
.brand { font-weight: 700; letter-spacing: .04em; color: var(--accent); margin-bottom: .5rem; }
label { display: block; margin: .9rem 0 .3rem; font-weight: 600; }
input[type=text], input[type=password], input[type=email] { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid var(--muted); border-radius: 6px; background: var(--bg); color: var(--fg); }
button { margin-top: 1.2rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { color: var(--err); border-left: 4px solid var(--err); padding: .4rem .8rem; margin: 1rem 0; }
.notice { border-left: 4px solid var(--accent); padding: .4rem .8rem; margin: 1rem 0; }
.muted { color: var(--muted); font-size: .9rem; }
a { color: var(--accent); }
button.secondary { background: transparent; color: var(--fg); border: 1px solid var(--muted); }
code { font-family: ui-monospace, monospace; font-size: .95em; }
@media (max-width: 32rem) { main { margin: 0; border-radius: 0; min-height: 100vh; } }
`;
