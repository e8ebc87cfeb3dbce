import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src-renderer/api/types.js';
import { describeWrite } from '../../src-renderer/features/connect/write-result.js';
import {
  byUrgency,
  claimRows,
  evidenceLines,
  scopeMarks,
} from '../../src-renderer/features/inspector/claims.js';

describe('the token inspector', () => {
  it('lists the claims a 401 turns on first, with meanings and readable times', () => {
    const exp = Date.UTC(2026, 0, 2, 3, 4, 5) / 1_000;
    const rows = claimRows({
      jti: 'j1',
      exp,
      custom: { a: [1, 2] },
      aud: ['api', 'other'],
      iss: 'https://idp',
    });
    expect(rows.map(({ name }) => name)).toEqual(['iss', 'aud', 'exp', 'jti', 'custom']);
    expect(rows[0]).toEqual({ name: 'iss', meaning: 'issuer', value: 'https://idp' });
    expect(rows[1]?.value).toBe('[ "api", "other" ]');
    expect(rows[2]?.epochMs).toBe(exp * 1_000);
    expect(rows[2]?.value).toMatch(/^2026-01-0[12] \d\d:04:05$/);
    expect(rows[4]).toEqual({ name: 'custom', meaning: undefined, value: '{ "a": [ 1, 2 ] }' });
  });

  it('marks each scope once: granted, missing, or asked for by a step-up', () => {
    expect(
      scopeMarks({
        granted: ['mcp:read', 'mcp:tools'],
        missing: ['mcp:admin'],
        stepUpMissing: ['mcp:admin', 'mcp:write'],
      }),
    ).toEqual([
      { scope: 'mcp:read', mark: 'granted' },
      { scope: 'mcp:tools', mark: 'granted' },
      { scope: 'mcp:admin', mark: 'step-up' },
      { scope: 'mcp:write', mark: 'step-up' },
    ]);
  });

  it('puts errors before warnings, notes and good news', () => {
    const diagnostic = (id: string, severity: Diagnostic['severity']): Diagnostic => ({
      id,
      severity,
      title: id,
      detail: id,
    });
    const sorted = byUrgency([
      diagnostic('a', 'ok'),
      diagnostic('b', 'info'),
      diagnostic('c', 'error'),
      diagnostic('d', 'warning'),
    ]);
    expect(sorted.map(({ id }) => id)).toEqual(['c', 'd', 'b', 'a']);
  });

  it('writes evidence as key: value lines', () => {
    expect(evidenceLines({ aud: ['a', 'b'], exp: 12, ok: false })).toEqual([
      'aud: a b',
      'exp: 12',
      'ok: false',
    ]);
  });
});

describe('writing an IDE config', () => {
  it('says what changed in which file', () => {
    expect(describeWrite({ path: '/h/.cursor/mcp.json', change: 'created' })).toBe(
      'Created /h/.cursor/mcp.json.',
    );
    expect(
      describeWrite({ path: '/h/mcp.json', change: 'updated', backupPath: '/h/mcp.json.bak' }),
    ).toBe('Replaced the entry in /h/mcp.json. The previous file is saved as /h/mcp.json.bak.');
    expect(describeWrite({ path: '/h/mcp.json', change: 'unchanged' })).toMatch(/nothing changed/);
  });
});
