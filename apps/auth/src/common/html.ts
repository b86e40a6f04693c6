/** Minimal server-rendered pages (sign-in hand-offs, consent, connect results). No scripts, all values escaped. */
export function escapeHtml(v: string): string {
  return v.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Portcullis</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f5f5f7; color: #1d1d1f; display: flex; justify-content: center; padding-top: 8vh; }
  main { background: #fff; padding: 2rem 2.5rem; border-radius: 10px; box-shadow: 0 2px 12px rgba(0,0,0,.08); max-width: 34rem; }
  h1 { font-size: 1.35rem; margin-top: 0; } .muted { color: #666; font-size: .9rem; }
  .warn { background: #fff4e5; padding: .6rem .8rem; border-radius: 6px; }
  .error { background: #fdecea; padding: .6rem .8rem; border-radius: 6px; }
  ul { padding-left: 1.2rem; } code { background: #f0f0f3; padding: 0 .25rem; border-radius: 3px; }
  form { display: inline; } button { padding: .6rem 1.2rem; border-radius: 6px; border: 0; font-size: 1rem; margin-right: .5rem; cursor: pointer; }
  button.primary { background: #1662dd; color: #fff; } button.secondary { background: #e5e5ea; }
</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
}

export function messagePage(
  title: string,
  message: string,
  opts: { id?: string; kind?: 'error' | 'ok' } = {},
): string {
  const cls = opts.kind === 'error' ? ' class="error"' : '';
  return page(
    title,
    `<h1${opts.id ? ` id="${escapeHtml(opts.id)}"` : ''}>${escapeHtml(title)}</h1>\n<p${cls}>${escapeHtml(message)}</p>`,
  );
}

export function errorPage(error: string, description: string): string {
  return page(
    'Sign-in failed',
    `<h1>Sign-in could not continue</h1>
<p class="error">Error <code id="error">${escapeHtml(error)}</code>: <span id="error_description">${escapeHtml(description)}</span></p>
<p class="muted">Return to your AI client and start again. If this keeps happening, give this message to your Portcullis administrator.</p>`,
  );
}
