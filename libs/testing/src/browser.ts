/**
 * A minimal headless browser for tests: a cookie jar (per host name, like browsers), manual
 * redirects, and the two forms a person fills in on the way — the IdP's sign-in form (the Okta
 * simulator's) and Portcullis's consent form.
 */
export interface Page {
  url: URL;
  status: number;
  body: string;
}

export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly visited: URL[] = [];

  constructor(
    private readonly creds?: { username: string; password: string },
    private readonly consent: 'approve' | 'deny' = 'approve',
  ) {}

  cookieHeader(url: URL): string | undefined {
    const c = this.jar.get(url.hostname);
    if (!c || c.size === 0) return undefined;
    return [...c.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  clearCookies(): void {
    this.jar.clear();
  }

  async fetch(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(u);
    if (cookie) headers.set('cookie', cookie);
    if (!headers.has('accept')) headers.set('accept', 'text/html');
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const idx = pair!.indexOf('=');
      const name = pair!.slice(0, idx).trim();
      const value = pair!.slice(idx + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      let c = this.jar.get(u.hostname);
      if (!c) this.jar.set(u.hostname, (c = new Map()));
      if (expired || value === '') c.delete(name);
      else c.set(name, value);
    }
    return res;
  }

  /**
   * Follows redirects from `start`, signing in and answering consent on the way, until a redirect
   * target satisfies `stopAt` (returned without being fetched) or a page is neither a redirect nor
   * a form we fill in (returned).
   */
  async navigate(start: URL | string, stopAt: (u: URL) => boolean = () => false): Promise<Page> {
    let url = new URL(start);
    let method: 'GET' | 'POST' = 'GET';
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 25; hop++) {
      this.visited.push(url);
      const res = await this.fetch(
        url,
        method === 'POST'
          ? {
              method,
              body,
              headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin },
            }
          : {},
      );
      method = 'GET';
      body = undefined;
      if (res.status >= 300 && res.status < 400) {
        await res.arrayBuffer();
        const next = new URL(res.headers.get('location')!, url);
        if (stopAt(next)) return { url: next, status: res.status, body: '' };
        url = next;
        continue;
      }
      const text = await res.text();
      if (res.status === 200 && text.includes('id="okta-sign-in-form"') && this.creds) {
        const form = parseForm(text, 'okta-sign-in-form');
        url = new URL(form.action, url);
        method = 'POST';
        body = new URLSearchParams({
          ...form.fields,
          username: this.creds.username,
          password: this.creds.password,
        });
        continue;
      }
      if (res.status === 200 && text.includes('id="consent-form"')) {
        const form = parseForm(text, 'consent-form');
        url = new URL(form.action, url);
        method = 'POST';
        body = new URLSearchParams({ ...form.fields, decision: this.consent });
        continue;
      }
      return { url, status: res.status, body: text };
    }
    throw new Error(`Too many redirects from ${String(start)}`);
  }
}

export function parseForm(html: string, id: string): { action: string; fields: Record<string, string> } {
  const m =
    new RegExp(`<form[^>]*id="${id}"[^>]*>([\\s\\S]*?)</form>`, 'i').exec(html) ??
    new RegExp(`<form[^>]*>([\\s\\S]*?)</form>`, 'i').exec(html);
  if (!m) throw new Error(`No form ${id} on the page`);
  const action = /action="([^"]*)"/.exec(m[0])?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const input of m[1]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name) fields[unescapeHtml(name)] = unescapeHtml(value);
  }
  return { action: unescapeHtml(action), fields };
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
