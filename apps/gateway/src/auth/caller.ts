import type { ClientType } from '@portcullis/policy';

/** The authenticated user and AI client behind one MCP request, from the client's access token. */
export interface AuthenticatedCaller {
  userId: string;
  email?: string;
  name?: string;
  groups: string[];
  clientId: string;
  clientName?: string;
  clientType: ClientType;
  scopes: string[];
  tokenId: string;
  expiresAt: number;
}
