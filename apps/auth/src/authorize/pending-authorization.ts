import type { ClientMetadataDocument } from '../clients/client-metadata-fetcher';

/** A validated authorization request waiting for sign-in and consent (stored as flow state). */
export interface PendingAuthorization {
  clientId: string;
  clientName: string;
  registration: 'cimd' | 'dcr' | 'admin';
  clientUri: string | null;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  resource: string;
  scope: string;
  /** For metadata-document clients: the document as validated, recorded with the client at consent. */
  document?: ClientMetadataDocument;
  grantTypes: string[];
}

export const AUTHORIZATION_REQUEST_TTL_SECONDS = 900;
