import type { Account } from "../../domain/accounts/account.js";
import { html } from "./html.js";
import { layout } from "./layout.js";

export function consentPage(model: {
  csrfToken: string;
  account: Account;
  clientName: string;
  redirectHost: string;
  scope: string[];
  audiences: string[];
  /** The original query string, replayed and re-validated on submit. */
  request: string;
}): string {
  return layout(
    "Authorize access",
    html`<h1>Authorize ${model.clientName}</h1>
<p><strong>${model.clientName}</strong> (returning to <code>${model.redirectHost}</code>) asks to access your account <strong>${model.account.username}</strong>.</p>
${model.scope.length > 0 ? html`<p>It will be able to:</p><ul>${model.scope.map((s) => html`<li><code>${s}</code></li>`)}</ul>` : ""}
${model.audiences.length > 0 ? html`<p class="muted">For services: ${model.audiences.join(", ")}</p>` : ""}
<form method="post" action="/authorize">
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <input type="hidden" name="request" value="${model.request}">
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}
