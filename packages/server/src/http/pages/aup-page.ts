import type { Aup } from "../../domain/aup/aup.js";
import { html } from "./html.js";
import { layout } from "./layout.js";

export function aupPage(model: {
  aup: Aup;
  csrfToken: string;
  redirectTo: string | undefined;
  stale: boolean;
}): string {
  return layout(
    "Acceptable use policy",
    html`<h1>Acceptable use policy</h1>
${model.stale ? html`<p class="notice" role="status">Your agreement has expired. Please read the policy and accept it again.</p>` : ""}
${model.aup.text ? html`<div class="aup-text">${model.aup.text.split(/\n{2,}/).map((p) => html`<p>${p}</p>`)}</div>` : ""}
${model.aup.url ? html`<p><a href="${model.aup.url}" rel="noopener noreferrer">Read the full policy</a></p>` : ""}
<form method="post" action="/aup">
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  ${model.redirectTo ? html`<input type="hidden" name="rd" value="${model.redirectTo}">` : ""}
  <button type="submit">I accept the acceptable use policy</button>
</form>
<p class="muted">${model.aup.validityDays > 0 ? `Your agreement lasts ${model.aup.validityDays} days.` : "You accept it once."}</p>`,
  );
}
