import type { Account } from "../../domain/accounts/account.js";
import { html } from "./html.js";
import { layout } from "./layout.js";

/**
 * Shown when someone unknown signs in through an untrusted provider: their registration, filled
 * in from the provider's claims, waits for an administrator. (The full registration form with
 * AUP and notes is `/signup`, issue 4 item 1; this page is the federated hand-over to it.)
 */
export function pendingRegistrationPage(account: Account, providerName: string): string {
  return layout(
    "Registration received",
    html`<h1>Registration received</h1>
<p>You signed in with ${providerName}. We registered the account below with the details ${providerName} gave us.</p>
<dl>
  <dt>Username</dt><dd id="username">${account.username}</dd>
  <dt>Name</dt><dd>${account.name}</dd>
  <dt>Email</dt><dd>${account.email || "(none given)"}</dd>
</dl>
<p role="status">An administrator must approve the account before you can sign in. You will be able to sign in with ${providerName} once it is approved.</p>`,
  );
}
