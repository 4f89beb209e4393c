import type { RegistrationField } from "../../domain/registration/registration.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";

export interface SignupPageModel {
  csrfToken: string;
  /** What the applicant typed, shown again after a problem; never the password. */
  values?: Partial<Record<"username" | "name" | "email" | "notes", string>>;
  aupAccepted?: boolean;
  problems?: Partial<Record<RegistrationField, string>>;
  /** A problem with the whole form (CSRF, throttling). */
  error?: string | undefined;
}

/** The sign-up form: one labelled field each, with its own error announced next to it. */
export function signupPage(model: SignupPageModel): string {
  const values = model.values ?? {};
  const problems = model.problems ?? {};
  const problem = (field: RegistrationField): SafeHtml | string =>
    problems[field] ? html`<p class="error" id="${field}-error">${problems[field]}</p>` : "";
  const describedBy = (field: RegistrationField): SafeHtml | string =>
    problems[field] ? html`aria-describedby="${field}-error" aria-invalid="true"` : "";
  return layout(
    "Create an account",
    html`<h1>Create an account</h1>
<p>Your request is reviewed by an administrator. First confirm your email address with the link we send you.</p>
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ""}
${Object.keys(problems).length > 0 ? html`<p class="error" role="alert">Please correct the fields marked below.</p>` : ""}
<form method="post" action="/signup" novalidate>
  <input type="hidden" name="csrf_token" value="${model.csrfToken}">
  <label for="username">Username</label>
  ${problem("username")}
  <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${values.username ?? ""}" ${describedBy("username")}>
  <label for="name">Full name</label>
  ${problem("name")}
  <input type="text" id="name" name="name" autocomplete="name" required maxlength="256" value="${values.name ?? ""}" ${describedBy("name")}>
  <label for="email">Email</label>
  ${problem("email")}
  <input type="email" id="email" name="email" autocomplete="email" required maxlength="320" value="${values.email ?? ""}" ${describedBy("email")}>
  <label for="notes">Notes to the administrators (optional)</label>
  ${problem("notes")}
  <textarea id="notes" name="notes" maxlength="2000" rows="3" ${describedBy("notes")}>${values.notes ?? ""}</textarea>
  <label for="password">Password (at least 12 characters)</label>
  ${problem("password")}
  <input type="password" id="password" name="password" autocomplete="new-password" required minlength="12" maxlength="1024" ${describedBy("password")}>
  ${problem("aup")}
  <label><input type="checkbox" name="aup" value="accepted" ${model.aupAccepted ? "checked" : ""} ${describedBy("aup")}> I accept the acceptable use policy</label>
  <button type="submit">Ask for an account</button>
</form>
<p><a href="/login">Already have an account? Sign in</a></p>`,
  );
}
