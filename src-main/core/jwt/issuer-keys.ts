import type { JSONWebKeySet } from 'jose';
import { serverMetadataLocations } from '../oauth/discovery.js';
import { parseJsonObject } from '../oauth/json.js';
import { describeNetworkFailure, isLoopbackHostname } from '../oauth/transport.js';
import { printable } from '../printable.js';

/**
 * The signing keys a pasted token's own `iss` publishes. That URL is chosen by whoever wrote
 * the token, so this runs only on the person's explicit consent, and every request is bounded:
 * https (or http on loopback), no redirects, a size cap and a time limit.
 */
export interface IssuerKeys {
  metadataUrl: string;
  jwksUri: string;
  keySet: JSONWebKeySet;
}

/** Why the keys could not be had: the step, the URL, and what came back (already printable). */
export interface IssuerKeysFailure {
  step: 'issuer' | 'metadata' | 'jwks';
  /** The issuer's metadata names another issuer: the keys are refused, not merely unreachable. */
  refused: boolean;
  problem: string;
}

export const MAX_DOCUMENT_BYTES = 256 * 1024;
export const FETCH_TIMEOUT_MS = 5000;

type Fetched = { body: Record<string, unknown> } | { problem: string };

/** Why `url` may not be fetched for a pasted token, or undefined when it may. */
export function keyFetchRefusal(url: string): string | undefined {
  if (!URL.canParse(url)) return `"${printable(url)}" is not a URL`;
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return undefined;
  if (protocol === 'http:' && isLoopbackHostname(hostname)) return undefined;
  return `${printable(url)} is not https (plain http is allowed only on loopback)`;
}

export async function fetchIssuerKeys(
  issuer: string,
  fetchImpl: typeof fetch = fetch,
): Promise<IssuerKeys | IssuerKeysFailure> {
  const refusal = keyFetchRefusal(issuer);
  if (refusal) return { step: 'issuer', refused: true, problem: refusal };
  const tried: string[] = [];
  for (const metadataUrl of serverMetadataLocations(issuer)) {
    const fetched = await fetchJsonDocument(metadataUrl, fetchImpl);
    if ('problem' in fetched) {
      tried.push(`${metadataUrl} → ${fetched.problem}`);
      continue;
    }
    return keysFromMetadata(issuer, metadataUrl, fetched.body, fetchImpl);
  }
  return { step: 'metadata', refused: false, problem: tried.join('; ') };
}

async function keysFromMetadata(
  issuer: string,
  metadataUrl: string,
  metadata: Record<string, unknown>,
  fetchImpl: typeof fetch,
): Promise<IssuerKeys | IssuerKeysFailure> {
  if (metadata.issuer !== issuer) {
    const named =
      typeof metadata.issuer === 'string' ? `"${printable(metadata.issuer)}"` : 'no issuer';
    return {
      step: 'metadata',
      refused: true,
      problem: `${metadataUrl} names ${named} as its issuer, not the token's "${printable(issuer)}"`,
    };
  }
  const jwksUri = metadata.jwks_uri;
  if (typeof jwksUri !== 'string') {
    return { step: 'metadata', refused: false, problem: `${metadataUrl} has no "jwks_uri"` };
  }
  const refusal = keyFetchRefusal(jwksUri);
  if (refusal) return { step: 'jwks', refused: true, problem: `its jwks_uri ${refusal}` };
  const fetched = await fetchJsonDocument(jwksUri, fetchImpl);
  if ('problem' in fetched) {
    return { step: 'jwks', refused: false, problem: `${printable(jwksUri)} → ${fetched.problem}` };
  }
  if (!Array.isArray(fetched.body.keys)) {
    return {
      step: 'jwks',
      refused: false,
      problem: `${printable(jwksUri)} → JSON without a "keys" array, not a JSON Web Key Set`,
    };
  }
  return { metadataUrl, jwksUri, keySet: fetched.body as unknown as JSONWebKeySet };
}

async function fetchJsonDocument(url: string, fetchImpl: typeof fetch): Promise<Fetched> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    return { problem: `no answer: ${printable(describeNetworkFailure(error))}` };
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = printable(response.headers.get('location') ?? 'nowhere');
    return { problem: `HTTP ${response.status}, a redirect to ${location} (not followed)` };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { problem: `HTTP ${response.status}` };
  }
  let text: string | undefined;
  try {
    text = await boundedText(response);
  } catch (error) {
    return {
      problem: `HTTP ${response.status}, the body broke off: ${printable(describeNetworkFailure(error))}`,
    };
  }
  if (text === undefined) {
    return { problem: `HTTP ${response.status}, more than ${MAX_DOCUMENT_BYTES / 1024} KiB` };
  }
  const body = parseJsonObject(text);
  return body ? { body } : { problem: `HTTP ${response.status}, not a JSON object` };
}

/** The body as text, or undefined once it grows past the cap (the rest is not read). */
async function boundedText(response: Response): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > MAX_DOCUMENT_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}
