import { html, type SafeHtml } from "./html.js";

/** The frame every server-rendered page shares. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Tessera</title>
<link rel="stylesheet" href="/static/tessera.css">
</head>
<body>
<main>
<div class="brand" aria-hidden="true">TESSERA</div>
${body}
</main>
</body>
</html>`.value;
}
