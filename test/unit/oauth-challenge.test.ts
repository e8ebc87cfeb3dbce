import { describe, expect, it } from 'vitest';
import { parseBearerChallenge } from '../../src-main/core/oauth/index.js';

const METADATA = 'https://gw.example.com/.well-known/oauth-protected-resource/mcp';

describe('parseBearerChallenge', () => {
  it('reads the MCP parameters of a quoted Bearer challenge', () => {
    const header = `Bearer resource_metadata="${METADATA}", scope="mcp:read mcp:tools", error="invalid_token", error_description="The access token expired"`;
    expect(parseBearerChallenge(header)).toEqual({
      resourceMetadataUrl: METADATA,
      scope: ['mcp:read', 'mcp:tools'],
      error: 'invalid_token',
      errorDescription: 'The access token expired',
    });
  });

  it('reads unquoted tokens and is case-insensitive about scheme and names', () => {
    expect(parseBearerChallenge('bearer ERROR=insufficient_scope, Scope=admin')).toEqual({
      error: 'insufficient_scope',
      scope: ['admin'],
    });
  });

  it('unescapes quoted-pairs and keeps commas and equals signs inside quotes', () => {
    const header = String.raw`Bearer realm="a \"quoted\", realm", error_description="x=1, y\\z", scope="a"`;
    expect(parseBearerChallenge(header)).toEqual({ errorDescription: 'x=1, y\\z', scope: ['a'] });
  });

  it('tolerates whitespace around "=" and empty list elements', () => {
    expect(parseBearerChallenge(' ,Bearer  scope = "read" ,, error = invalid_token ')).toEqual({
      scope: ['read'],
      error: 'invalid_token',
    });
  });

  it('finds the Bearer challenge among several, including token68 and parameter-less ones', () => {
    const header = `Basic realm="files", Negotiate, NTLM abc+/def==, Bearer resource_metadata="${METADATA}", DPoP algs="ES256"`;
    expect(parseBearerChallenge(header)).toEqual({ resourceMetadataUrl: METADATA });
  });

  it('keeps the first Bearer challenge and the first value of a repeated parameter', () => {
    const header = 'Bearer scope="first", scope="repeat", Bearer scope="second"';
    expect(parseBearerChallenge(header)).toEqual({ scope: ['first'] });
  });

  it('gives an empty challenge for a bare Bearer and treats an empty scope as none', () => {
    expect(parseBearerChallenge('Bearer')).toEqual({});
    expect(parseBearerChallenge('Bearer scope=""')).toEqual({});
  });

  it('keeps what was well-formed before a syntax error, and invents nothing after it', () => {
    expect(parseBearerChallenge('Bearer error="invalid_token", scope="unterminated')).toEqual({
      error: 'invalid_token',
    });
    // Parameters must be separated by commas.
    expect(parseBearerChallenge('Bearer scope="a" error="b", scope="c"')).toEqual({ scope: ['a'] });
    expect(parseBearerChallenge('Bearer scope=, error=x')).toEqual({});
  });

  it('returns undefined when there is no Bearer challenge', () => {
    for (const header of [
      null,
      '',
      '   ',
      'Basic realm="x"',
      'garbage',
      '"quoted"',
      '=,=',
      'Bearerish scope=a',
    ]) {
      expect(parseBearerChallenge(header), String(header)).toBeUndefined();
    }
  });
});
