import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { CatalogController } from '../catalog/catalog.controller';
import { EffectiveAccessController } from '../effective-access/effective-access.controller';
import { KillSwitchesController } from '../kill-switches/kill-switches.controller';
import { PolicyController } from '../policy/policy.controller';
import { ProfilesController } from '../profiles/profiles.controller';
import { ServersController } from '../servers/servers.controller';
import { SettingsController } from '../settings/settings.controller';
import { ToolsController } from '../tools/tools.controller';
import { ToolsetsController } from '../toolsets/toolsets.controller';
import { buildOpenApiDocument } from './openapi.document';

/** Every route the controllers serve, as "METHOD /api/v1/path/{param}". */
function routes(): string[] {
  const out: string[] = [];
  for (const c of [
    CatalogController,
    ServersController,
    ToolsController,
    ToolsetsController,
    ProfilesController,
    SettingsController,
    KillSwitchesController,
    EffectiveAccessController,
    PolicyController,
  ]) {
    const base = Reflect.getMetadata(PATH_METADATA, c) as string;
    for (const name of Object.getOwnPropertyNames(c.prototype)) {
      const fn = (c.prototype as unknown as Record<string, unknown>)[name];
      if (typeof fn !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, fn) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      const full = `/${base}/${path}`
        .replace(/\/+$/, '')
        .replace(/\/\//g, '/')
        .replace(/:(\w+)/g, '{$1}');
      out.push(`${RequestMethod[method]} ${full}`);
    }
  }
  return out.sort();
}

it('documents every admin API route, with request schemas generated from the validators', () => {
  const doc = buildOpenApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };
  assert.equal(doc.openapi, '3.1.0');
  const documented = Object.entries(doc.paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
  assert.deepEqual(documented, routes());
  const okta = doc.components.schemas['OktaServerCreate']!;
  assert.equal(okta['type'], 'object');
  assert.ok((okta['required'] as string[]).includes('oktaOrgUrl'));
  assert.equal(okta['additionalProperties'], false);
  assert.deepEqual(
    (doc.components.schemas['KillSwitchCreate']!['properties'] as Record<string, { enum?: string[] }>)[
      'scope'
    ]!.enum,
    ['tenant', 'server', 'tool', 'client'],
  );
});
