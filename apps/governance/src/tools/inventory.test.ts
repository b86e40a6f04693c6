import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ToolDefinition } from '@portcullis/contracts';
import { classifyFromAnnotations } from './classification';
import { type InventoryRules, planInventory } from './inventory';
import type { ToolRecord } from './tools.repository';

const rules: InventoryRules = {
  requireApproval: true,
  pinApprovedDefinitions: true,
  defaultClassification: 'unclassified',
};

function def(
  name: string,
  hash: string,
  annotations?: Record<string, unknown>,
  description = `does ${name}`,
): ToolDefinition {
  return {
    name,
    description,
    inputSchema: { type: 'object' },
    ...(annotations ? { annotations } : {}),
    hash: hash.repeat(64).slice(0, 64),
  };
}

function tool(name: string, over: Partial<ToolRecord> = {}): ToolRecord {
  return {
    id: `id-${name}`,
    tenantId: 't',
    serverId: 's',
    name,
    state: 'approved',
    classification: 'read',
    defaultClassification: 'read',
    classificationSource: 'annotations',
    allowedClientTypes: null,
    definition: {
      name,
      description: `does ${name}`,
      inputSchema: { type: 'object' },
      annotations: { readOnlyHint: true },
    },
    definitionHash: 'a'.repeat(64),
    approvedHash: 'a'.repeat(64),
    revision: 1,
    firstSeenAt: '',
    updatedAt: '',
    removedAt: null,
    ...over,
  };
}

describe('classifyFromAnnotations', () => {
  it('derives read / destructive / write from MCP annotations and falls back to the tenant default', () => {
    assert.deepEqual(classifyFromAnnotations({ readOnlyHint: true }, 'unclassified'), {
      classification: 'read',
      source: 'annotations',
    });
    assert.deepEqual(
      classifyFromAnnotations({ readOnlyHint: false, destructiveHint: true }, 'unclassified'),
      { classification: 'destructive', source: 'annotations' },
    );
    assert.deepEqual(
      classifyFromAnnotations({ readOnlyHint: false, destructiveHint: false }, 'unclassified'),
      { classification: 'write', source: 'annotations' },
    );
    assert.deepEqual(classifyFromAnnotations({ openWorldHint: true }, 'sensitive'), {
      classification: 'write',
      source: 'annotations',
    });
    assert.deepEqual(classifyFromAnnotations(undefined, 'sensitive'), {
      classification: 'sensitive',
      source: 'tenant_default',
    });
    assert.deepEqual(classifyFromAnnotations({ title: 'x' }, 'unclassified'), {
      classification: 'unclassified',
      source: 'tenant_default',
    });
  });
});

describe('planInventory', () => {
  it('adds new tools pending review (or approved when approval is not required), classified from annotations', () => {
    const a = planInventory(
      [],
      { added: [def('list', 'a', { readOnlyHint: true }), def('zap', 'b')], changed: [], removed: [] },
      rules,
    );
    assert.deepEqual(
      a.map((x) =>
        x.kind === 'insert' ? [x.name, x.tool.state, x.tool.classification, x.tool.approvedHash] : null,
      ),
      [
        ['list', 'pending_review', 'read', null],
        ['zap', 'pending_review', 'unclassified', null],
      ],
    );
    const b = planInventory(
      [],
      { added: [def('list', 'a')], changed: [], removed: [] },
      { ...rules, requireApproval: false },
    );
    assert.equal(b[0]!.kind === 'insert' && b[0].tool.state, 'approved');
    assert.equal(b[0]!.kind === 'insert' && b[0].tool.approvedHash, 'a'.repeat(64));
    assert.equal(b[0]!.history.change, 'discovered');
  });

  it('a changed definition of an approved tool is recorded and goes back to review when definitions are pinned', () => {
    const [a] = planInventory(
      [tool('list')],
      {
        added: [],
        changed: [def('list', 'b', { readOnlyHint: true }, 'now deletes everything')],
        removed: [],
      },
      rules,
    );
    assert.equal(a!.kind, 'update');
    assert.equal(a!.kind === 'update' && a.changes.state, 'pending_review');
    assert.equal(a!.kind === 'update' && a.changes.definitionHash, 'b'.repeat(64));
    assert.deepEqual(
      [a!.history.change, a!.history.oldState, a!.history.newState, a!.history.oldHash, a!.history.newHash],
      ['definition_changed', 'approved', 'pending_review', 'a'.repeat(64), 'b'.repeat(64)],
    );
    assert.deepEqual((a!.history.details as { changedFields: string[] }).changedFields, ['description']);
  });

  it('without pinning, a changed approved tool stays approved (the change is still recorded)', () => {
    const [a] = planInventory(
      [tool('list')],
      { added: [], changed: [def('list', 'b', { readOnlyHint: true })], removed: [] },
      { ...rules, pinApprovedDefinitions: false },
    );
    assert.equal(a!.kind === 'update' && a.changes.state, undefined);
    assert.equal(a!.history.newState, 'approved');
  });

  it('keeps an admin classification when the annotations change, but records the new default', () => {
    const [a] = planInventory(
      [tool('list', { classification: 'sensitive', classificationSource: 'admin' })],
      { added: [], changed: [def('list', 'b', { readOnlyHint: false })], removed: [] },
      rules,
    );
    assert.equal(a!.kind === 'update' && a.changes.classification, undefined);
    assert.equal(a!.kind === 'update' && a.changes.defaultClassification, 'write');
  });

  it('marks vanished tools removed and reviews a tool that comes back', () => {
    const removed = planInventory(
      [tool('list'), tool('gone')],
      { added: [], changed: [], removed: ['gone', 'never-known'] },
      rules,
    );
    assert.deepEqual(
      removed.map((x) => [x.name, x.kind === 'update' && x.changes.state]),
      [['gone', 'removed']],
    );
    const back = planInventory(
      [tool('gone', { state: 'removed' })],
      { added: [def('gone', 'a')], changed: [], removed: [] },
      rules,
    );
    assert.deepEqual(
      [
        back[0]!.history.change,
        back[0]!.kind === 'update' && back[0].changes.state,
        back[0]!.kind === 'update' && back[0].changes.removedAt,
      ],
      ['restored', 'pending_review', null],
    );
  });

  it('is idempotent: an added tool already known with the same hash changes nothing', () => {
    assert.deepEqual(
      planInventory([tool('list')], { added: [def('list', 'a')], changed: [], removed: [] }, rules),
      [],
    );
  });

  it('a full resync removes whatever it did not list', () => {
    const a = planInventory(
      [tool('list'), tool('old')],
      { added: [def('list', 'a')], changed: [], removed: [], fullInventory: true },
      rules,
    );
    assert.deepEqual(
      a.map((x) => [x.name, x.history.change]),
      [['old', 'removed']],
    );
  });
});
