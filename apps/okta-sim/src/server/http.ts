import type { IncomingHttpHeaders } from 'node:http';

/** A parsed request as handlers see it (decoupled from node:http so handlers are plain functions). */
export interface SimRequest {
  method: string;
  /** Path without query string, e.g. `/api/v1/users/00u1/lifecycle/suspend`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer | null;
  /** Origin the client used (`http://host:port`), for absolute `Link` URLs the Okta SDK follows verbatim. */
  origin: string;
  ip: string;
  userAgent: string;
  requestId: string;
  /** Path parameters from the router (`:id` → params.id), already URI-decoded. */
  params: Record<string, string>;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

const JSON_TYPE = 'application/json';

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): SimResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

export function noContent(headers: Record<string, string | string[]> = {}): SimResponse {
  return { status: 204, headers };
}

/** 200 with an empty body (Okta's lifecycle endpoints answer this way). */
export function emptyOk(): SimResponse {
  return { status: 200, headers: { 'Content-Type': JSON_TYPE } };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): SimResponse {
  return { status: 302, headers: { Location: location, ...headers } };
}

export function html(
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): SimResponse {
  return { status, headers: { 'Content-Type': 'text/html;charset=utf-8', ...headers }, body };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k) {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        out[k] = v;
      }
    }
  }
  return out;
}

/** `application/x-www-form-urlencoded` body → params (Okta's OAuth endpoints are form-encoded). */
export function formBody(req: SimRequest): URLSearchParams {
  if (!req.body || req.body.length === 0) return new URLSearchParams();
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    // Okta's spec labels /revoke as JSON; accept JSON objects of strings on the OAuth endpoints too.
    try {
      const obj = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') p.append(k, v);
      return p;
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(req.body.toString('utf8'));
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
