import { escapeHtml } from '../server/http';

/**
 * The hosted sign-in page. Deliberately plain HTML with stable ids/names so tests (and humans) can
 * drive it: `form#okta-sign-in-form` posts `username`, `password` and the hidden `stateToken` to
 * `/login/signin`, which answers with a 302 to the client's redirect_uri.
 */
export function renderSignInPage(opts: {
  stateToken: string;
  appLabel: string;
  loginHint?: string;
  error?: string;
}): string {
  const error = opts.error
    ? `<p class="error" id="okta-sign-in-error" role="alert">${escapeHtml(opts.error)}</p>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Okta Simulator - Sign In</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font-family: system-ui, sans-serif; background: #f4f4f6; display: flex; justify-content: center; padding-top: 10vh; }
  main { background: #fff; padding: 2rem 2.5rem; border-radius: 8px; box-shadow: 0 2px 10px rgba(0,0,0,.08); width: 22rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; } p.app { color: #555; margin: 0 0 1.5rem; }
  label { display: block; font-size: .9rem; margin: .75rem 0 .25rem; }
  input[type=text], input[type=password] { width: 100%; padding: .55rem; box-sizing: border-box; border: 1px solid #bbb; border-radius: 4px; }
  button { margin-top: 1.25rem; width: 100%; padding: .65rem; background: #1662dd; color: #fff; border: 0; border-radius: 4px; font-size: 1rem; }
  .error { color: #b00020; background: #fdecea; padding: .5rem .75rem; border-radius: 4px; }
  footer { margin-top: 1.5rem; font-size: .75rem; color: #888; }
</style>
</head>
<body>
<main>
  <h1>Sign In</h1>
  <p class="app">to continue to <strong>${escapeHtml(opts.appLabel)}</strong></p>
  ${error}
  <form id="okta-sign-in-form" method="post" action="/login/signin">
    <input type="hidden" name="stateToken" value="${escapeHtml(opts.stateToken)}">
    <label for="okta-signin-username">Username</label>
    <input type="text" id="okta-signin-username" name="username" autocomplete="username" value="${escapeHtml(opts.loginHint ?? '')}" required>
    <label for="okta-signin-password">Password</label>
    <input type="password" id="okta-signin-password" name="password" autocomplete="current-password" required>
    <button type="submit" id="okta-signin-submit">Sign In</button>
  </form>
  <footer>Portcullis Okta simulator — not a real Okta org.</footer>
</main>
</body>
</html>`;
}

export function renderErrorPage(error: string, description: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Okta Simulator - Error</title></head>
<body>
<h1>Something went wrong</h1>
<p>Error code: <code id="error">${escapeHtml(error)}</code></p>
<p id="error_description">${escapeHtml(description)}</p>
</body></html>`;
}

export function renderFormPost(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Submit This Form</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="${escapeHtml(action)}">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>`;
}

export function renderSignedOut(): string {
  return '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><h1>You have been signed out.</h1></body></html>';
}
