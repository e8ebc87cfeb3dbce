import type { BearerChallenge } from './types.js';

/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
interface Challenge {
  scheme: string;
  /** Lower-cased parameter names; the first occurrence of a name wins. */
  params: Map<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const QUOTED_STRING = /"((?:[^"\\]|\\.)*)"/y;
const WHITESPACE = /[ \t]*/y;
const SEPARATORS = /[ \t,]*/y;
const EQUALS = /=/y;

/** A cursor over the header that reads with sticky regular expressions. */
class HeaderReader {
  private position = 0;
  constructor(private readonly text: string) {}

  get atEnd(): boolean {
    return this.position >= this.text.length;
  }

  get next(): string | undefined {
    return this.text[this.position];
  }

  read(pattern: RegExp): RegExpExecArray | undefined {
    pattern.lastIndex = this.position;
    const match = pattern.exec(this.text) ?? undefined;
    if (match) this.position = pattern.lastIndex;
    return match;
  }

  skip(pattern: RegExp): void {
    this.read(pattern);
  }

  /** Runs `probe`; keeps what it read when it returns true, rewinds otherwise. */
  attempt(probe: () => boolean): boolean {
    const saved = this.position;
    const matched = probe();
    if (!matched) this.position = saved;
    return matched;
  }

  /** Runs `probe` and always rewinds: a look-ahead. */
  peek(probe: () => boolean): boolean {
    const saved = this.position;
    const matched = probe();
    this.position = saved;
    return matched;
  }
}

/**
 * Parses every challenge of a `WWW-Authenticate` value. Parsing stops at the first syntax
 * error; what was well-formed before it is kept, because a client should use what it can.
 */
function parseChallenges(header: string): Challenge[] {
  const reader = new HeaderReader(header);
  const challenges: Challenge[] = [];
  for (;;) {
    reader.skip(SEPARATORS);
    const scheme = reader.read(TOKEN)?.[0];
    if (scheme === undefined) return challenges;
    const challenge: Challenge = { scheme, params: new Map() };
    challenges.push(challenge);
    if (!readChallengeBody(reader, challenge.params)) return challenges;
  }
}

/** Reads what follows a scheme; false on a syntax error. */
function readChallengeBody(reader: HeaderReader, params: Map<string, string>): boolean {
  reader.skip(WHITESPACE);
  if (atListBoundary(reader)) return true;
  // A token68 (as in `Basic dXNlcjpwYXNz`) carries no parameters Gatekey needs: skip it.
  if (reader.attempt(() => readsToken68(reader))) return true;
  for (;;) {
    if (!readParam(reader, params)) return false;
    reader.skip(WHITESPACE);
    if (reader.atEnd) return true;
    if (reader.next !== ',') return false;
    reader.skip(SEPARATORS);
    if (reader.atEnd || !reader.peek(() => startsParam(reader))) return true;
  }
}

function atListBoundary(reader: HeaderReader): boolean {
  return reader.atEnd || reader.next === ',';
}

function readsToken68(reader: HeaderReader): boolean {
  if (!reader.read(TOKEN68)) return false;
  reader.skip(WHITESPACE);
  return atListBoundary(reader);
}

/** `name =` ahead means another parameter; a token without `=` starts the next challenge. */
function startsParam(reader: HeaderReader): boolean {
  if (!reader.read(TOKEN)) return false;
  reader.skip(WHITESPACE);
  return reader.next === '=';
}

function readParam(reader: HeaderReader, params: Map<string, string>): boolean {
  const name = reader.read(TOKEN)?.[0];
  if (name === undefined) return false;
  reader.skip(WHITESPACE);
  if (reader.read(EQUALS) === undefined) return false;
  reader.skip(WHITESPACE);
  const value = readParamValue(reader);
  if (value === undefined) return false;
  const key = name.toLowerCase();
  if (!params.has(key)) params.set(key, value);
  return true;
}

function readParamValue(reader: HeaderReader): string | undefined {
  const quoted = reader.read(QUOTED_STRING);
  if (quoted) return quoted[1]?.replace(/\\(.)/g, '$1');
  return reader.read(TOKEN)?.[0];
}

/** The first `Bearer` challenge of a `WWW-Authenticate` header, if there is one. */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
  if (!header) return undefined;
  const bearer = parseChallenges(header).find(
    (challenge) => challenge.scheme.toLowerCase() === 'bearer',
  );
  if (!bearer) return undefined;
  const { params } = bearer;
  const scope = params.get('scope')?.split(/\s+/).filter(Boolean);
  return {
    error: params.get('error'),
    errorDescription: params.get('error_description'),
    scope: scope?.length ? scope : undefined,
    resourceMetadataUrl: params.get('resource_metadata'),
  };
}
