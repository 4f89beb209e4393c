import type { Client } from "../../domain/clients/client.js";
import { html } from "./html.js";
import { layout } from "./layout.js";

export function deviceCodeEntryPage(error?: string, code?: string): string {
  return layout(
    "Connect a device",
    html`<h1>Connect a device</h1>
<p>Enter the code shown by the program or device you want to sign in.</p>
${error ? html`<p class="error" role="alert" id="code-error">${error}</p>` : ""}
<form method="get" action="/device">
  <label for="user_code">Code</label>
  <input type="text" id="user_code" name="user_code" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="32" value="${code ?? ""}" ${error ? html`aria-describedby="code-error"` : ""} autofocus>
  <button type="submit">Continue</button>
</form>`,
  );
}

export function deviceConsentPage(model: {
  csrfToken: string;
  userCode: string;
  client: Client;
  scope: string[];
  audiences: string[];
}): string {
  return layout(
    "Approve device",
    html`<h1>Approve sign-in on a device</h1>
<p><strong>${model.client.clientName}</strong> asks to act on your behalf with code <strong>${model.userCode}</strong>.
Only approve if you started this on a device you control and the code matches.</p>
<p>It will be able to:</p>
<ul>${model.scope.map((s) => html`<li><code>${s}</code></li>`)}</ul>
${model.audiences.length > 0 ? html`<p class="muted">For services: ${model.audiences.join(", ")}</p>` : ""}
<form method="post" action="/device">
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <input type="hidden" name="user_code" value="${model.userCode}">
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}
