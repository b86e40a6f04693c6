import { z } from 'zod';
import { logsFilterDialect } from '../filter';
import { canonicalExpression, cursor, expression, full, isoDateTime, limit } from '../schemas';
import { READ, defineTool, pageData, pageOutput, type OktaTool } from '../tool';
import { logEventView, viewLogEvent } from '../views';

const DAY_MS = 24 * 60 * 60 * 1000;

const searchLogs = defineTool({
  name: 'search_logs',
  title: 'Search the Okta System Log',
  description:
    'Searches Okta System Log events in a bounded time window (default: the last 24 hours; Okta keeps 90 days), newest first by default. ' +
    'Narrow with `filter` (e.g. eventType eq "user.session.start" and outcome.result eq "FAILURE", actor.alternateId eq "jane@example.com", ' +
    'target.id eq "00u…") and/or `query` (up to 10 space-separated keywords). Paginated: pass nextCursor as `cursor` with the same arguments.',
  input: z
    .strictObject({
      since: isoDateTime()
        .optional()
        .describe('Start of the window (ISO 8601). Default: 24 hours before `until`.'),
      until: isoDateTime().optional().describe('End of the window (ISO 8601). Default: now.'),
      filter: expression(logsFilterDialect, 'eventType eq "user.lifecycle.deactivate"').optional(),
      query: z
        .string()
        .trim()
        .min(1)
        .max(420)
        .regex(/^[^\u0000-\u001f\u007f"\\]+$/, 'must not contain quotes, backslashes or control characters')
        .refine((q) => q.split(/\s+/).length <= 10 && q.split(/\s+/).every((w) => w.length <= 40), {
          message: 'at most 10 keywords of at most 40 characters each',
        })
        .optional()
        .describe('Keywords matched anywhere in the event (at most 10, each at most 40 characters).'),
      sortOrder: z.enum(['ASCENDING', 'DESCENDING']).default('DESCENDING'),
      limit: limit(),
      cursor: cursor().optional(),
      full: full(),
    })
    .refine(
      (a) => a.since === undefined || a.until === undefined || Date.parse(a.since) < Date.parse(a.until),
      {
        message: '`since` must be before `until`',
      },
    )
    .refine((a) => a.since === undefined || Date.now() - Date.parse(a.since) <= 90 * DAY_MS + DAY_MS, {
      message: '`since` is older than Okta keeps System Log events (90 days)',
    }),
  output: pageOutput('events', logEventView).extend({
    since: z.string().describe('Window start used (repeat it with cursor).'),
    until: z.string().describe('Window end used (repeat it with cursor).'),
  }),
  annotations: READ,
  scopes: ['okta.logs.read'],
  async run(a, ctx) {
    // Always bounded (since + until): an open-ended System Log query is Okta's infinite polling mode.
    const until = a.until ?? new Date().toISOString();
    const since = a.since ?? new Date(Date.parse(until) - DAY_MS).toISOString();
    const page = await ctx.api.logs.search(
      ctx.cred,
      {
        since,
        until,
        filter: canonicalExpression(a.filter, logsFilterDialect),
        q: a.query,
        sortOrder: a.sortOrder,
        limit: a.limit,
        after: a.cursor,
        signal: ctx.signal,
      },
      { maxItems: a.limit },
    );
    return {
      summary: `Found ${page.items.length} System Log event(s) between ${since} and ${until}.${page.hasMore ? ' More results exist: call again with cursor = nextCursor and the same since/until.' : ''}`,
      data: {
        ...pageData(
          'events',
          page.items.map((e) => (a.full ? e : viewLogEvent(e))),
          page,
        ),
        since,
        until,
      },
    };
  },
});

export const logTools: OktaTool[] = [searchLogs];
