/**
 * @portcullis/okta-mcp — the hosted Okta MCP server.
 *
 * `startOktaMcpServer` runs it; `oktaToolCatalog` is the tool list as MCP definitions (for
 * discovery tests and docs).
 */
export { startOktaMcpServer, type OktaMcpServerOptions, type RunningOktaMcpServer } from './server';
export {
  oktaToolCatalog,
  oktaTools,
  META_SCOPES,
  META_CONFIRMATION,
  type OktaToolDescriptor,
} from './catalog';
export { ConfirmationTokens, CONFIRMATION_TTL_SECONDS } from './confirmation';
export { validateFilter, FilterError } from './filter';
export { loadOktaMcpConfig, oktaMcpConfigSchema, type OktaMcpConfig } from './config';
export { SERVER_INFO } from './mcp';
