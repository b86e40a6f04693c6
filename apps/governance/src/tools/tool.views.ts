import { etagOf } from '../common/etag';
import type { ServerRecord } from '../servers/servers.repository';
import type { ToolRecord } from './tools.repository';

export interface ToolView {
  id: string;
  serverId: string;
  serverName: string | null;
  name: string;
  exposedName: string | null;
  title: string | null;
  description: string | null;
  state: ToolRecord['state'];
  classification: ToolRecord['classification'];
  defaultClassification: ToolRecord['defaultClassification'];
  classificationSource: ToolRecord['classificationSource'];
  allowedClientTypes: ToolRecord['allowedClientTypes'];
  killSwitchEngaged: boolean;
  definitionHash: string;
  approvedHash: string | null;
  /** True when the definition differs from the one an admin approved. */
  changedSinceApproval: boolean;
  definition: ToolRecord['definition'];
  revision: number;
  etag: string;
  firstSeenAt: string;
  updatedAt: string;
  removedAt: string | null;
}

export function toolView(
  t: ToolRecord,
  server: Pick<ServerRecord, 'toolPrefix' | 'displayName'> | undefined,
  killed: boolean,
): ToolView {
  return {
    id: t.id,
    serverId: t.serverId,
    serverName: server?.displayName ?? null,
    name: t.name,
    exposedName: server ? `${server.toolPrefix}_${t.name}` : null,
    title: t.definition.title ?? null,
    description: t.definition.description ?? null,
    state: t.state,
    classification: t.classification,
    defaultClassification: t.defaultClassification,
    classificationSource: t.classificationSource,
    allowedClientTypes: t.allowedClientTypes,
    killSwitchEngaged: killed,
    definitionHash: t.definitionHash,
    approvedHash: t.approvedHash,
    changedSinceApproval: t.approvedHash !== null && t.approvedHash !== t.definitionHash,
    definition: t.definition,
    revision: t.revision,
    etag: etagOf(t.revision),
    firstSeenAt: t.firstSeenAt,
    updatedAt: t.updatedAt,
    removedAt: t.removedAt,
  };
}
