import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A browser without a window, for sign-in tests: plain fetch with a cookie jar and manual
 * redirects that fills in the IdP's real sign-in and consent forms, the way a person would.
 */
export interface BrowserLoginOptions {
  username?: string;
  password?: string;
  /** false: press the IdP's deny/cancel button, so the client receives access_denied. */
  approve?: boolean;
}

export interface BrowserLoginResult {
  /** What the loopback callback (the client's redirect URI) answered. */
  callbackStatus: number;
  callbackBody: string;
}

/** A `$BROWSER` command line that runs completeBrowserLogin on the URL appended to it. */
export const HEADLESS_BROWSER_COMMAND = [
  process.execPath,
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
  fileURLToPath(new URL('./browser-cli.ts', import.meta.url)),
].join(' ');

const DEFAULT_CREDENTIALS = { username: 'alice', password: 'correct horse' };
const MAX_STEPS = 25;
const REQUEST_TIMEOUT_MS = 15_000;
const DENY_CONTROL = /\b(deny|cancel|abort|reject|decline)\b/i;

/**
 * Opens `authorizationUrl`, signs in, answers the consent page, follows redirects until the IdP
 * sends the browser to the client's redirect URI, and returns what that callback answered.
 */
export async function completeBrowserLogin(
  authorizationUrl: string,
  options: BrowserLoginOptions = {},
): Promise<BrowserLoginResult> {
  const session = new BrowserSession({
    username: options.username ?? DEFAULT_CREDENTIALS.username,
    password: options.password ?? DEFAULT_CREDENTIALS.password,
    approve: options.approve ?? true,
  });
  return session.run(authorizationUrl);
}

interface Navigation {
  url: URL;
  method: 'GET' | 'POST';
  form?: URLSearchParams;
}

class BrowserSession {
  readonly #cookies = new CookieJar();
  /** origin + path of every redirect_uri the visited authorization requests named. */
  readonly #redirectUris = new Set<string>();
  #passwordSubmitted = false;

  constructor(private readonly options: Required<BrowserLoginOptions>) {}

  async run(startUrl: string): Promise<BrowserLoginResult> {
    let navigation: Navigation = { url: new URL(startUrl), method: 'GET' };
    for (let step = 0; step < MAX_STEPS; step += 1) {
      this.#noteRedirectUri(navigation.url);
      const response = await this.#send(navigation);
      if (this.#redirectUris.has(withoutQuery(navigation.url))) {
        return { callbackStatus: response.status, callbackBody: await response.text() };
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        navigation = { url: new URL(location, navigation.url), method: 'GET' };
        continue;
      }
      navigation = this.#nextSubmission(
        new HtmlPage(navigation.url, await response.text()),
        response.status,
      );
    }
    throw new Error(`The sign-in did not reach the redirect URI within ${MAX_STEPS} steps.`);
  }

  #noteRedirectUri(url: URL): void {
    const redirectUri = url.searchParams.get('redirect_uri');
    if (redirectUri) this.#redirectUris.add(withoutQuery(new URL(redirectUri)));
  }

  async #send(navigation: Navigation): Promise<Response> {
    const headers: Record<string, string> = {
      accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
      'user-agent': 'GatekeyHeadlessBrowser/1.0',
    };
    const cookie = this.#cookies.header(navigation.url);
    if (cookie) headers.cookie = cookie;
    if (navigation.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(navigation.url, {
      method: navigation.method,
      headers,
      body: navigation.form?.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    this.#cookies.store(navigation.url, response.headers.getSetCookie());
    return response;
  }

  /** Picks the form a person would submit on this page: deny, sign in, or allow. */
  #nextSubmission(page: HtmlPage, status: number): Navigation {
    const forms = page.forms();
    if (forms.length === 0) {
      throw new Error(`Expected a sign-in or consent form, got ${page.describe(status)}.`);
    }
    const denial = this.options.approve ? undefined : findControl(forms, true);
    if (denial) return denial.form.submit(denial.button);

    const loginForm = forms.find((form) => form.hasPasswordField());
    if (loginForm) {
      if (this.#passwordSubmitted) throw new Error(`Sign-in failed: ${page.describe(status)}.`);
      this.#passwordSubmitted = true;
      return loginForm.submitCredentials(this.options.username, this.options.password);
    }
    const approval = findControl(forms, false);
    if (!approval) throw new Error(`Expected a button to continue, got ${page.describe(status)}.`);
    return approval.form.submit(approval.button);
  }
}

/** The first submit button that denies (or, with deny false, does not deny), with its form. */
function findControl(
  forms: HtmlForm[],
  deny: boolean,
): { form: HtmlForm; button: HtmlButton } | undefined {
  for (const form of forms) {
    const button = form.buttons.find(
      (candidate) => DENY_CONTROL.test(candidate.describe()) === deny,
    );
    if (button) return { form, button };
  }
  return undefined;
}

function withoutQuery(url: URL): string {
  return url.origin + url.pathname;
}

class HtmlPage {
  constructor(
    readonly url: URL,
    readonly html: string,
  ) {}

  forms(): HtmlForm[] {
    return [...this.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(
      ([, attributes = '', body = '']) => new HtmlForm(this.url, parseAttributes(attributes), body),
    );
  }

  /** The page's title and first error text, for error messages (neither ever holds a token). */
  describe(status: number): string {
    const title = textOf(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(this.html)?.[1]);
    const alert =
      /<[^>]+(?:role="alert"|class="[^"]*error[^"]*")[^>]*>([\s\S]*?)<\/[^>]+>/i.exec(
        this.html,
      )?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(this.html)?.[1];
    const says = alert ? `, saying "${textOf(alert)}"` : '';
    return `HTTP ${status} from ${withoutQuery(this.url)} titled "${title}"${says}`;
  }
}

interface HtmlInput {
  name: string;
  type: string;
  value: string;
}

class HtmlButton {
  constructor(
    readonly name: string | undefined,
    readonly value: string,
    readonly label: string,
  ) {}

  describe(): string {
    return `${this.name ?? ''} ${this.value} ${this.label}`;
  }
}

class HtmlForm {
  readonly action: URL;
  readonly method: 'GET' | 'POST';
  readonly inputs: HtmlInput[];
  readonly buttons: HtmlButton[];

  constructor(pageUrl: URL, attributes: Map<string, string>, body: string) {
    this.action = new URL(attributes.get('action') || pageUrl.href, pageUrl);
    this.method = attributes.get('method')?.toUpperCase() === 'POST' ? 'POST' : 'GET';
    const inputs = [...body.matchAll(/<input\b([^>]*)>/gi)].map(([, input = '']) =>
      parseAttributes(input),
    );
    this.inputs = inputs
      .filter(
        (input) => input.has('name') && !['submit', 'button'].includes(input.get('type') ?? ''),
      )
      .map((input) => ({
        name: input.get('name') ?? '',
        type: (input.get('type') ?? 'text').toLowerCase(),
        value: input.get('value') ?? '',
      }));
    const buttons = [...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map(
      ([, button = '', label = '']) => ({ attributes: parseAttributes(button), label }),
    );
    const submitInputs = inputs.filter((input) => input.get('type') === 'submit');
    this.buttons = [
      ...buttons
        .filter(({ attributes: button }) => (button.get('type') ?? 'submit') === 'submit')
        .map(
          ({ attributes: button, label }) =>
            new HtmlButton(button.get('name'), button.get('value') ?? '', textOf(label)),
        ),
      ...submitInputs.map(
        (input) => new HtmlButton(input.get('name'), input.get('value') ?? '', ''),
      ),
    ];
  }

  hasPasswordField(): boolean {
    return this.inputs.some((input) => input.type === 'password');
  }

  submitCredentials(username: string, password: string): Navigation {
    const usernameField =
      this.inputs.find(
        (input) => /user|login|email/i.test(input.name) && input.type !== 'hidden',
      ) ?? this.inputs.find((input) => ['text', 'email'].includes(input.type));
    if (!usernameField)
      throw new Error(`The sign-in form at ${withoutQuery(this.action)} has no username field.`);
    const overrides = new Map<string, string>([[usernameField.name, username]]);
    for (const input of this.inputs.filter((field) => field.type === 'password')) {
      overrides.set(input.name, password);
    }
    const button = this.buttons.find((candidate) => !DENY_CONTROL.test(candidate.describe()));
    return this.submit(button, overrides);
  }

  submit(button: HtmlButton | undefined, overrides = new Map<string, string>()): Navigation {
    const form = new URLSearchParams();
    for (const input of this.inputs)
      form.append(input.name, overrides.get(input.name) ?? input.value);
    if (button?.name) form.append(button.name, button.value);
    if (this.method === 'POST') return { url: this.action, method: 'POST', form };
    const url = new URL(this.action);
    url.search = form.toString();
    return { url, method: 'GET' };
  }
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name = '', doubleQuoted, singleQuoted, bare] of source.matchAll(
    /([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g,
  )) {
    attributes.set(name.toLowerCase(), decodeEntities(doubleQuoted ?? singleQuoted ?? bare ?? ''));
  }
  return attributes;
}

function textOf(html: string | undefined): string {
  return decodeEntities((html ?? '').replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X'))
      return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(Number(code.slice(1)));
    return NAMED_ENTITIES[code.toLowerCase()] ?? entity;
  });
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

/** Host-only cookies, matched by host name and path like a browser does (ports do not count). */
class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  store(url: URL, setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributeParts] = header.split(';');
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const attributes = new Map(
        attributeParts.map((part) => {
          const [name = '', ...value] = part.trim().split('=');
          return [name.toLowerCase(), value.join('=')] as const;
        }),
      );
      const cookie: StoredCookie = {
        name: pair.slice(0, separator).trim(),
        value: pair.slice(separator + 1).trim(),
        host: url.hostname,
        path: attributes.get('path') || defaultCookiePath(url),
      };
      const key = `${cookie.host} ${cookie.path} ${cookie.name}`;
      if (isExpired(attributes)) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  header(url: URL): string | undefined {
    const matching = [...this.#cookies.values()].filter(
      (cookie) => cookie.host === url.hostname && pathMatches(url.pathname, cookie.path),
    );
    return matching.length
      ? matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
      : undefined;
  }
}

function isExpired(attributes: Map<string, string>): boolean {
  const maxAge = attributes.get('max-age');
  if (maxAge !== undefined) return Number(maxAge) <= 0;
  const expires = attributes.get('expires');
  return expires !== undefined && Date.parse(expires) <= Date.now();
}

function defaultCookiePath(url: URL): string {
  const lastSlash = url.pathname.lastIndexOf('/');
  return lastSlash > 0 ? url.pathname.slice(0, lastSlash) : '/';
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) &&
      (cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/'))
  );
}
