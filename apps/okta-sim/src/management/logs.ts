import { Errors } from '../core/errors';
import type { Accessor } from '../core/filter-parser';
import type { SimLogEvent } from '../core/model';
import { json } from '../server/http';
import type { Router } from '../server/router';
import { compileExpression, type ApiDeps } from './common';
import { decodeCursor, encodeCursor, linkHeaders, parseLimit } from './paging';
import { serializeLogEvent } from './serializers';

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

/** Dotted-path accessor that fans out over arrays (`target.id` matches any target). */
function logAccessor(attr: string): Accessor<SimLogEvent> | undefined {
  if (attr === 'published') return undefined; // Okta: `published` is not filterable (use since/until).
  const parts = attr.split('.');
  const roots = new Set([
    'uuid',
    'eventType',
    'legacyEventType',
    'displayMessage',
    'severity',
    'version',
    'actor',
    'client',
    'outcome',
    'target',
    'transaction',
    'debugContext',
    'authenticationContext',
    'securityContext',
    'request',
  ]);
  if (!roots.has(parts[0] as string)) return undefined;
  return (e) => {
    let cur: unknown[] = [e];
    for (const p of parts) {
      const next: unknown[] = [];
      for (const c of cur) {
        if (c === null || typeof c !== 'object') continue;
        const v = (c as Record<string, unknown>)[p];
        if (Array.isArray(v)) next.push(...v);
        else if (v !== undefined) next.push(v);
      }
      cur = next;
    }
    return cur.length <= 1 ? cur[0] : cur;
  };
}

function parseDate(v: string | null): string | null {
  if (v === null || v === '') return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw Errors.invalidDate();
  return new Date(t).toISOString();
}

function searchText(e: SimLogEvent): string {
  return [
    e.eventType,
    e.displayMessage,
    e.actor.id,
    e.actor.alternateId,
    e.actor.displayName,
    e.outcome.result,
    e.outcome.reason ?? '',
    e.client.ipAddress,
    ...e.target.flatMap((t) => [t.id, t.alternateId, t.displayName]),
  ]
    .join(' ')
    .toLowerCase();
}

/**
 * `GET /api/v1/logs`. Bounded queries (with `until`, or DESCENDING) end when exhausted; polling
 * queries (no `until`, ASCENDING) always carry a `next` link, even with an empty page, like Okta.
 */
export function registerLogRoutes(router: Router, deps: ApiDeps): void {
  const { ctx, authz } = deps;
  router.get('/api/v1/logs', (req) => {
    const p = authz.authenticate(req);
    authz.requireScope(req, p, 'okta.logs.read', ['okta.logs.read']);
    authz.requirePermission(p, 'logs.read');
    const limit = parseLimit(req, 100, 1000, 0);
    const until = parseDate(req.query.get('until'));
    const cursor = decodeCursor(req.query.get('after'));
    const sinceParam = parseDate(req.query.get('since'));
    const since = cursor
      ? null
      : (sinceParam ?? new Date((until ? Date.parse(until) : ctx.clock.now()) - SEVEN_DAYS_MS).toISOString());
    const descending = (req.query.get('sortOrder') ?? 'ASCENDING').toUpperCase() === 'DESCENDING';
    const filter = req.query.get('filter');
    const predicate = filter
      ? compileExpression<SimLogEvent>(
          filter,
          { attributes: (a) => !!logAccessor(a), operators: () => true },
          logAccessor,
        )
      : () => true;
    const q = req.query.get('q');
    let keywords: string[] = [];
    if (q) {
      keywords = q.toLowerCase().split(/\s+/).filter(Boolean);
      if (keywords.length > 10 || keywords.some((k) => k.length > 40)) {
        throw Errors.validation(
          ['q: Search query must contain at most 10 keywords of at most 40 characters'],
          'q',
        );
      }
    }
    const inWindow = (e: SimLogEvent) => (!since || e.published >= since) && (!until || e.published < until);
    const keep = (e: SimLogEvent) => {
      if (!inWindow(e) || !predicate(e)) return false;
      if (keywords.length === 0) return true;
      const text = searchText(e);
      return keywords.every((k) => text.includes(k));
    };
    const iter = descending
      ? ctx.org.logs.iterateBackwardBefore(cursor ? cursor.s : Number.MAX_SAFE_INTEGER)
      : ctx.org.logs.iterateAfter(cursor?.s ?? 0);
    const page: SimLogEvent[] = [];
    let hasMore = false;
    let lastSeen = cursor?.s ?? 0;
    for (const e of iter) {
      if (!descending) lastSeen = e.seq;
      if (!keep(e)) continue;
      if (page.length >= limit) {
        hasMore = true;
        break;
      }
      page.push(e);
    }
    const polling = !until && !descending;
    const last = page[page.length - 1];
    let next: string | null = null;
    if (hasMore && last) next = encodeCursor({ s: last.seq });
    else if (hasMore)
      next = encodeCursor({ s: cursor?.s ?? 0 }); // limit=0: stay where we are
    else if (polling) next = encodeCursor({ s: last ? last.seq : lastSeen });
    return json(200, page.map(serializeLogEvent), { Link: linkHeaders(req, next) });
  });
}
