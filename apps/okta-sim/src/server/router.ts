import type { Handler } from './http';

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

/**
 * A tiny path router: `:name` segments capture (URI-decoded) values, everything else matches
 * literally. Routes are bucketed by segment count, so a lookup compares only a handful of patterns.
 */
export class Router {
  private readonly byLength = new Map<number, Route[]>();

  add(method: string, pattern: string, handler: Handler): this {
    const segments = pattern.split('/').filter(Boolean);
    const list = this.byLength.get(segments.length) ?? [];
    list.push({ method: method.toUpperCase(), segments, handler });
    this.byLength.set(segments.length, list);
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }

  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').filter(Boolean);
    const candidates = this.byLength.get(parts.length);
    if (!candidates) return { kind: 'not-found' };
    const allow = new Set<string>();
    let best: { route: Route; params: Record<string, string>; literal: number } | undefined;
    for (const route of candidates) {
      const params: Record<string, string> = {};
      let ok = true;
      let literal = 0;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i] as string;
        const part = parts[i] as string;
        if (seg.charCodeAt(0) === 58 /* ':' */) {
          let v: string;
          try {
            v = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
          params[seg.slice(1)] = v;
        } else if (seg === part) {
          literal++;
        } else {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allow.add(route.method);
        continue;
      }
      // Prefer the most specific pattern (`/users/me` style literals beat `/users/:id`).
      if (!best || literal > best.literal) best = { route, params, literal };
    }
    if (best) return { kind: 'found', handler: best.route.handler, params: best.params };
    if (allow.size) return { kind: 'method-not-allowed', allow: [...allow] };
    return { kind: 'not-found' };
  }
}
