import type { Account } from "../../domain/accounts/account.js";
import { html } from "./html.js";
import { layout } from "./layout.js";

export function homePage(account: Account, csrfToken: string): string {
  return layout(
    "Your account",
    html`<h1>Welcome, ${account.name}</h1>
<p>You are signed in as <strong>${account.username}</strong>${account.isAdmin ? " (administrator)" : ""}.</p>
<p class="muted">${account.email}</p>
<form method="post" action="/logout">
  <input type="hidden" name="csrf_token" value="${csrfToken}">
  <button type="submit">Sign out</button>
</form>`,
  );
}

/** Asks before signing out; an RP-initiated logout's parameters ride along to be checked again. */
export function logoutPage(
  csrfToken: string,
  request?: { clientName: string | undefined; parameters: Record<string, string> },
): string {
  return layout(
    "Sign out",
    html`<h1>Sign out</h1>
${request?.clientName ? html`<p><strong>${request.clientName}</strong> asks you to sign out.</p>` : ""}
<p>Do you want to sign out of Tessera?</p>
<form method="post" action="/logout">
  <input type="hidden" name="csrf_token" value="${csrfToken}">
  ${Object.entries(request?.parameters ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
  <button type="submit">Sign out</button>
</form>`,
  );
}
