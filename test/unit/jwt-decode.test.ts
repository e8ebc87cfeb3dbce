import { describe, expect, it } from 'vitest';
import { isGatekeyError } from '../../src-main/core/errors.js';
import {
  decodeJwt,
  formatInspection,
  inspectToken,
  looksLikeJwt,
} from '../../src-main/core/jwt/index.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = encode({ alg: 'RS256', kid: 'k1' });
const PAYLOAD = encode({ sub: 'alice', exp: 2_000_000_000 });
const SIGNATURE = Buffer.alloc(256, 7).toString('base64url');
const VALID = `${HEADER}.${PAYLOAD}.${SIGNATURE}`;

function decodeError(token: string) {
  try {
    decodeJwt(token);
  } catch (error) {
    if (isGatekeyError(error, 'not_a_jwt')) return { message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error('expected decodeJwt to throw');
}

describe('decodeJwt', () => {
  it('returns the header, the payload and the size of the signature, trusting nothing', () => {
    expect(decodeJwt(VALID)).toEqual({
      header: { alg: 'RS256', kid: 'k1' },
      payload: { sub: 'alice', exp: 2_000_000_000 },
      signatureBytes: 256,
    });
    expect(looksLikeJwt(VALID)).toBe(true);
    expect(decodeJwt(`${encode({ alg: 'none' })}.${PAYLOAD}.`).signatureBytes).toBe(0);
  });

  it.each([
    ['', /token is empty/],
    ['opaque-token-value', /3 dot-separated segments .* but got 1 segment\./],
    [`${HEADER}.${PAYLOAD}`, /but got 2 segments\./],
    [`${VALID}.${SIGNATURE}.${SIGNATURE}`, /but got 5 segments\./],
    [`.${PAYLOAD}.${SIGNATURE}`, /JWT header \(segment 1\) is empty/],
    [
      `${HEADER}.${PAYLOAD}x+y.${SIGNATURE}`,
      /payload \(segment 2\) is not base64url: "\+" at offset \d+/,
    ],
    [
      `${HEADER}.${PAYLOAD}.${SIGNATURE}=`,
      /signature \(segment 3\) is not base64url: "=" at offset 342/,
    ],
    [
      `${HEADER}.abcde.${SIGNATURE}`,
      /payload \(segment 2\) is not base64url: 5 characters is a length/,
    ],
    [
      `${HEADER}.${Buffer.from('{"sub":').toString('base64url')}.${SIGNATURE}`,
      /payload to decode to a JSON object, but its 7 bytes are not JSON/,
    ],
    [
      `${HEADER}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.${SIGNATURE}`,
      /payload .* not JSON/,
    ],
    [`${HEADER}.${encode([1, 2])}.${SIGNATURE}`, /payload to be a JSON object, but it is an array/],
    [
      `${HEADER}.${encode('hello')}.${SIGNATURE}`,
      /payload to be a JSON object, but it is a string/,
    ],
    [`${encode(null)}.${PAYLOAD}.${SIGNATURE}`, /header to be a JSON object, but it is null/],
    [
      `${encode({ typ: 'JWT' })}.${PAYLOAD}.${SIGNATURE}`,
      /name its algorithm in "alg", but it has none/,
    ],
    [
      `${HEADER}.${Buffer.from(`${'['.repeat(40)}${']'.repeat(40)}`).toString('base64url')}.${SIGNATURE}`,
      /payload to be a JSON object, but it is an array/,
    ],
    [
      `${HEADER}.${Buffer.from(`{"a":${'['.repeat(40)}${']'.repeat(40)}}`).toString('base64url')}.${SIGNATURE}`,
      /nest at most 32 levels/,
    ],
  ])('explains what is wrong with %#', (token, expected) => {
    expect(decodeError(token).message).toMatch(expected);
    expect(looksLikeJwt(token)).toBe(false);
  });

  it('hints at the usual copy mistakes', () => {
    expect(decodeError(`Bearer ${VALID}`).hint).toMatch(/without the "Bearer " prefix/);
    expect(decodeError(`${HEADER}.${PAYLOAD}\n.${SIGNATURE}`).hint).toMatch(
      /spaces or line breaks/,
    );
    expect(decodeError(`${HEADER}.${PAYLOAD}.ab/c`).hint).toMatch(/standard base64, not base64url/);
    expect(decodeError('opaque').hint).toMatch(/opaque token/);
    expect(decodeError('a.b.c.d.e').hint).toMatch(/encrypted JWT \(JWE\)/);
  });

  it('refuses a 1 MB string at once, without looking into it', () => {
    const huge = `${HEADER}.${'A'.repeat(1024 * 1024)}.${SIGNATURE}`;
    const started = performance.now();
    expect(decodeError(huge).message).toMatch(/at most 65536 characters, but got 1048\d{3}/);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('never puts the token in its messages', () => {
    const secretPayload = encode('secret-value-123');
    const { message, hint } = decodeError(`${HEADER}.${secretPayload}.${SIGNATURE}`);
    expect(`${message} ${hint}`).not.toContain(secretPayload);
    expect(`${message} ${hint}`).not.toContain(SIGNATURE);
  });
});

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { int, pick };
}

const ALPHABETS = [
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.',
  ' .=+/\n\t\u0000{}[]"\\:,eyJ\u00e9\ud800\u{1f600}',
] as const;

function fuzzInputs(seed: number): Generator<string> {
  const rng = random(seed);
  const text = (alphabet: string, length: number) =>
    Array.from({ length }, () => alphabet[rng.int(alphabet.length)]).join('');
  const json = (depth: number): unknown => {
    const kind = rng.int(depth > 3 ? 4 : 7);
    if (kind === 0) return rng.int(2 ** 40) - 2 ** 39;
    if (kind === 1) return text(ALPHABETS[2], rng.int(6));
    if (kind === 2) return rng.pick([null, true, false, 1e308, -0.5, 'none', 'RS256']);
    if (kind === 3)
      return rng.pick(['exp', 'nbf', 'iat', 'aud', 'scope', 'scp', 'token_use', 'alg']);
    if (kind === 4) return Array.from({ length: rng.int(4) }, () => json(depth + 1));
    const keys = [
      'alg',
      'kid',
      'exp',
      'nbf',
      'iat',
      'aud',
      'iss',
      'scope',
      'scp',
      'cid',
      'azp',
      'nonce',
      'token_use',
    ];
    return Object.fromEntries(
      Array.from({ length: rng.int(6) }, () => [rng.pick(keys), json(depth + 1)]),
    );
  };
  const segment = () =>
    rng.pick([
      () => text(ALPHABETS[0], rng.int(40)),
      () => Buffer.from(JSON.stringify(json(0)) ?? '').toString('base64url'),
      () => Buffer.from(text(ALPHABETS[2], rng.int(20))).toString('base64url'),
      () => encode({ alg: rng.pick(['RS256', 'none', 'HS256', 'ES256']), ...(json(0) as object) }),
    ])();
  return (function* () {
    for (;;) {
      yield rng.pick([
        () => text(rng.pick(ALPHABETS), rng.int(120)),
        () => Array.from({ length: rng.int(6) }, segment).join('.'),
        () => [segment(), segment(), segment()].join('.'),
        () => VALID.slice(0, rng.int(VALID.length)),
        () =>
          `${VALID.slice(0, rng.int(VALID.length))}${text(ALPHABETS[2], 1)}${VALID.slice(rng.int(VALID.length))}`,
      ])();
    }
  })();
}

describe('decoding and inspecting random input', () => {
  it('only ever returns, or throws not_a_jwt; inspectToken never rejects', async () => {
    const deadline = performance.now() + 3000;
    const counts = { inputs: 0, decoded: 0 };
    const now = Date.UTC(2030, 0, 1);
    for (const input of fuzzInputs(20_251_125)) {
      if (counts.inputs >= 4000 || performance.now() > deadline) break;
      counts.inputs++;
      try {
        decodeJwt(input);
        counts.decoded++;
      } catch (error) {
        if (!isGatekeyError(error, 'not_a_jwt'))
          throw new Error(`input #${counts.inputs} threw ${String(error)}`);
      }
      const report = await inspectToken(input, {
        tokenKind: counts.inputs % 2 ? 'access_token' : 'id_token',
        issuer: 'https://issuer.example/',
        expectedAudience: 'https://gateway.example/mcp',
        clientId: 'client',
        requestedScopes: ['read'],
        algorithmsSupported: ['RS256'],
        now,
      });
      expect(report.diagnostics.length).toBeGreaterThan(0);
      // eslint-disable-next-line no-control-regex
      expect(formatInspection(report)).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(() => JSON.stringify(report)).not.toThrow();
    }
    expect(counts.inputs).toBeGreaterThan(1000);
    expect(counts.decoded).toBeGreaterThan(50);
    expect(counts.decoded).toBeLessThan(counts.inputs);
  });
});
