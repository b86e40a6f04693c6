import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { addressRefusal, type AddressPolicy, isLoopbackHost } from './address-policy';
import { redirectUriProblem } from './redirect-uri';

/**
 * Fetches and validates a Client ID Metadata Document (the client_id IS an HTTPS URL; the document
 * there describes the client). The fetch is an SSRF risk, so:
 *  - https only (http only on loopback, and only when `allowLoopback` is on — tests);
 *  - every address the host resolves to must be public (checked inside the socket's DNS lookup,
 *    so the address checked is the address connected to: no DNS-rebinding window);
 *  - at most 3 redirects, each hop checked the same way;
 *  - a size limit (read as a stream; stops at the limit) and a deadline;
 *  - the document's `client_id` must equal the URL, redirect URIs must be acceptable, and the
 *    client must be public (`token_endpoint_auth_method: none`): a document cannot hold a secret.
 */
export type ClientMetadataErrorReason =
  | 'invalid_url'
  | 'forbidden_address'
  | 'fetch_failed'
  | 'too_large'
  | 'malformed'
  | 'invalid_document';

export class ClientMetadataError extends Error {
  constructor(
    readonly reason: ClientMetadataErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ClientMetadataError';
  }
}

export interface ClientMetadataDocument {
  client_id: string;
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  redirect_uris: string[];
  grant_types?: string[];
  response_types?: string[];
  token_endpoint_auth_method?: string;
  scope?: string;
  software_id?: string;
  software_version?: string;
}

export interface FetcherOptions extends AddressPolicy {
  maxBytes: number;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  /** DNS resolution, replaceable in tests. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const MAX_REDIRECTS = 3;

const documentSchema = z
  .object({
    client_id: z.string(),
    client_name: z.string().max(200).optional(),
    client_uri: z.url().max(2048).optional(),
    logo_uri: z.url().max(2048).optional(),
    redirect_uris: z
      .array(z.string().max(2048))
      .min(1, { error: 'must list at least one redirect URI' })
      .max(50),
    grant_types: z.array(z.string().max(100)).max(10).optional(),
    response_types: z.array(z.string().max(100)).max(10).optional(),
    token_endpoint_auth_method: z.string().max(100).optional(),
    scope: z.string().max(1000).optional(),
    software_id: z.string().max(200).optional(),
    software_version: z.string().max(100).optional(),
  })
  .loose();

export class ClientMetadataFetcher {
  private readonly agent: Agent;
  private readonly resolve: (hostname: string) => Promise<LookupAddress[]>;

  constructor(private readonly opts: FetcherOptions) {
    this.resolve =
      opts.resolve ??
      ((hostname) =>
        new Promise((res, rej) =>
          dnsLookup(hostname, { all: true, verbatim: true }, (err, addrs) => (err ? rej(err) : res(addrs))),
        ));
    this.agent = new Agent({
      connect: {
        lookup: (
          hostname: string,
          options: LookupOptions,
          callback: (
            err: NodeJS.ErrnoException | null,
            address: string | LookupAddress[],
            family?: number,
          ) => void,
        ) => {
          this.resolve(hostname).then(
            (addrs) => {
              const refused = addrs
                .map((a) => addressRefusal(hostname, a.address, this.opts))
                .find((r) => r !== null);
              if (refused)
                return callback(Object.assign(new Error(refused), { code: 'EPORTCULLISFORBIDDEN' }), '', 4);
              if (addrs.length === 0)
                return callback(
                  Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }),
                  '',
                  4,
                );
              if (options.all) return callback(null, addrs);
              return callback(null, addrs[0]!.address, addrs[0]!.family);
            },
            (err: NodeJS.ErrnoException) => callback(err, '', 4),
          );
        },
        ...(opts.ca ? { ca: opts.ca } : {}),
        timeout: opts.timeoutMs,
      },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connections: 16,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** The URL is usable as a client_id at all (checked before any network access). */
  checkUrl(raw: string): URL {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ClientMetadataError('invalid_url', `client_id "${raw}" is not a valid URL.`);
    }
    const loopback = isLoopbackHost(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback && this.opts.allowLoopback)) {
      throw new ClientMetadataError('invalid_url', `client_id "${raw}" must be an https URL.`);
    }
    if (u.username || u.password)
      throw new ClientMetadataError('invalid_url', `client_id "${raw}" must not contain credentials.`);
    if (u.hash || raw.includes('#'))
      throw new ClientMetadataError('invalid_url', `client_id "${raw}" must not contain a fragment.`);
    if (u.pathname === '/' || u.pathname === '')
      throw new ClientMetadataError(
        'invalid_url',
        `client_id "${raw}" must have a path (the document's location).`,
      );
    if (/\/(\.|%2e){1,2}(\/|$|\?)/i.test(raw.replace(/^[a-z]+:\/\/[^/]*/i, '')))
      throw new ClientMetadataError('invalid_url', `client_id "${raw}" must not contain dot segments.`);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const refused = addressRefusal(host, host, this.opts);
      if (refused)
        throw new ClientMetadataError(
          'forbidden_address',
          `Refusing to fetch client metadata from ${raw}: ${refused}.`,
        );
    } else if (host === 'localhost' && !this.opts.allowLoopback && !this.opts.allowedHosts.includes(host)) {
      throw new ClientMetadataError(
        'forbidden_address',
        `Refusing to fetch client metadata from ${raw}: localhost is not a public address.`,
      );
    }
    return u;
  }

  async fetch(clientId: string): Promise<ClientMetadataDocument> {
    let url = this.checkUrl(clientId);
    const deadline = AbortSignal.timeout(this.opts.timeoutMs);
    for (let hop = 0; ; hop++) {
      let res;
      try {
        res = await request(url, {
          method: 'GET',
          dispatcher: this.agent,
          headers: { accept: 'application/json', 'user-agent': 'Portcullis-Auth (client metadata fetch)' },
          signal: deadline,
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        const forbidden = e.code === 'EPORTCULLISFORBIDDEN' || e.cause?.code === 'EPORTCULLISFORBIDDEN';
        if (forbidden)
          throw new ClientMetadataError(
            'forbidden_address',
            `Refusing to fetch client metadata from ${url.href}: ${(e.cause ?? e).message}.`,
          );
        const reason = deadline.aborted
          ? `no answer within ${this.opts.timeoutMs} ms`
          : (e.cause?.message ?? e.message);
        throw new ClientMetadataError(
          'fetch_failed',
          `Could not fetch the client metadata document at ${url.href}: ${reason}.`,
        );
      }
      if (res.statusCode >= 300 && res.statusCode < 400) {
        await res.body.dump().catch(() => undefined);
        const location = res.headers.location;
        if (typeof location !== 'string' || hop >= MAX_REDIRECTS) {
          throw new ClientMetadataError(
            'fetch_failed',
            `The client metadata document at ${clientId} redirects too often or without a location.`,
          );
        }
        url = this.checkUrl(new URL(location, url).toString());
        continue;
      }
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        throw new ClientMetadataError(
          'fetch_failed',
          `The client metadata document at ${url.href} answered HTTP ${res.statusCode}; it must answer 200 with JSON.`,
        );
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > this.opts.maxBytes) {
        await res.body.dump().catch(() => undefined);
        throw new ClientMetadataError(
          'too_large',
          `The client metadata document at ${url.href} is ${declared} bytes; the limit is ${this.opts.maxBytes}.`,
        );
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > this.opts.maxBytes) {
            res.body.destroy();
            throw new ClientMetadataError(
              'too_large',
              `The client metadata document at ${url.href} exceeds the ${this.opts.maxBytes}-byte limit.`,
            );
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof ClientMetadataError) throw err;
        throw new ClientMetadataError(
          'fetch_failed',
          `Reading the client metadata document at ${url.href} failed: ${(err as Error).message}.`,
        );
      }
      return this.validate(clientId, Buffer.concat(chunks).toString('utf8'));
    }
  }

  validate(clientId: string, text: string): ClientMetadataDocument {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ClientMetadataError(
        'malformed',
        `The client metadata document at ${clientId} is not valid JSON.`,
      );
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ClientMetadataError(
        'malformed',
        `The client metadata document at ${clientId} must be a JSON object.`,
      );
    }
    const parsed = documentSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`)
        .join('; ');
      throw new ClientMetadataError(
        'invalid_document',
        `The client metadata document at ${clientId} is invalid: ${problems}.`,
      );
    }
    const doc = parsed.data;
    if (doc.client_id !== clientId) {
      throw new ClientMetadataError(
        'invalid_document',
        `The client metadata document at ${clientId} names client_id "${doc.client_id}"; it must equal its own URL.`,
      );
    }
    const raw = json as Record<string, unknown>;
    if ('client_secret' in raw || 'client_secret_expires_at' in raw) {
      throw new ClientMetadataError(
        'invalid_document',
        `The client metadata document at ${clientId} contains a client secret; a public document cannot hold one.`,
      );
    }
    const method = doc.token_endpoint_auth_method ?? 'none';
    if (method !== 'none') {
      throw new ClientMetadataError(
        'invalid_document',
        `The client metadata document at ${clientId} asks for token_endpoint_auth_method "${method}"; Portcullis supports only "none" (public clients with PKCE) for metadata-document clients.`,
      );
    }
    for (const uri of doc.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem)
        throw new ClientMetadataError(
          'invalid_document',
          `The client metadata document at ${clientId} has an unacceptable redirect URI: ${problem}.`,
        );
    }
    if (doc.response_types && !doc.response_types.includes('code')) {
      throw new ClientMetadataError(
        'invalid_document',
        `The client metadata document at ${clientId} does not allow response type "code".`,
      );
    }
    return doc as ClientMetadataDocument;
  }
}
