import type { Response } from 'express';
import { etagOf } from './etag';

/** Sets the ETag of a versioned resource on the response and returns the body unchanged. */
export function withEtag<T extends { revision: number }>(res: Response, body: T): T {
  res.setHeader('etag', etagOf(body.revision));
  return body;
}
