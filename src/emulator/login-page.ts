import { escapeHtml } from './http.ts';

/** The emulated Salesforce login and consent page: the authorize parameters ride along as hidden fields. */
export function loginPage(options: { orgName: string; action: string; params: Record<string, string>; error?: string }): string {
  const hidden = Object.entries(options.params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Login | Salesforce emulator</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f3f3f3; color: #181818; }
  main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0003; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input[type=text], input[type=password] { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
  .actions { margin-top: 1.5rem; display: flex; gap: .5rem; }
  button { padding: .6rem 1.2rem; font-size: 1rem; border-radius: 4px; border: 1px solid #0b5cab; cursor: pointer; }
  button[value=Allow] { background: #0b5cab; color: #fff; }
  button[value=Deny] { background: #fff; color: #0b5cab; }
  button:focus-visible, input:focus-visible { outline: 3px solid #1b96ff; outline-offset: 2px; }
  .error { color: #ba0517; font-weight: 600; }
</style></head>
<body><main>
  <h1>Log in to ${escapeHtml(options.orgName)}</h1>
  <p>The connected app asks for access to your data (api, refresh_token).</p>
  ${error}
  <form method="post" action="${escapeHtml(options.action)}">
      ${hidden}
    <label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username" required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <div class="actions">
      <button type="submit" name="action" value="Allow">Allow</button>
      <button type="submit" name="action" value="Deny" formnovalidate>Deny</button>
    </div>
  </form>
</main></body></html>`;
}
