import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser } from './browser';

/**
 * An `OAuthClientProvider` for the official MCP SDK whose "user agent" is the test browser: the
 * authorization URL is followed (IdP sign-in form, consent form) until the redirect to the
 * client's redirect URI, whose `code` is captured.
 */
export class HeadlessOAuthProvider implements OAuthClientProvider {
  private info?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = '';
  capturedCode?: string;
  capturedError?: { error: string; description: string | null };
  lastAuthorizationUrl?: URL;

  constructor(
    private readonly browser: Browser,
    readonly redirectUrl: string,
    readonly clientMetadataUrl?: string,
    private readonly name = 'Headless MCP test client',
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.info;
  }

  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }

  tokens() {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }

  saveCodeVerifier(v: string) {
    this.verifier = v;
  }

  codeVerifier() {
    return this.verifier;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.lastAuthorizationUrl = url;
    const page = await this.browser.navigate(url, (u) => sameEndpoint(u, this.redirectUrl));
    const code = page.url.searchParams.get('code');
    if (code) {
      this.capturedCode = code;
      return;
    }
    const error = page.url.searchParams.get('error');
    if (error) {
      this.capturedError = { error, description: page.url.searchParams.get('error_description') };
      return;
    }
    throw new Error(
      `Authorization did not come back to ${this.redirectUrl}: ended at ${page.url.href} (HTTP ${page.status}) ${page.body.slice(0, 500)}`,
    );
  }
}

function sameEndpoint(u: URL, redirect: string): boolean {
  const r = new URL(redirect);
  return u.protocol === r.protocol && u.hostname === r.hostname && u.pathname === r.pathname;
}
