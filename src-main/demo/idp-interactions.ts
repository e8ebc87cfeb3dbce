import type { IncomingMessage } from 'node:http';
import type {
  Interaction,
  InteractionResult,
  KoaContext,
  Middleware,
  Provider,
} from 'oidc-provider';
import { consentPage, errorPage, loginPage } from './idp-pages.js';

export interface DemoUser {
  username: string;
  password: string;
}

const INTERACTION_PATH = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The sign-in and consent pages that oidc-provider sends the browser to, as Koa middleware:
 * GET `/interaction/<uid>` shows the form the current prompt needs, and its buttons POST to
 * `…/login`, `…/confirm` or `…/abort`. `mountPath` (the issuer's path) prefixes the URLs the browser sees.
 */
export function interactionPages(
  provider: Provider,
  mountPath: string,
  user: DemoUser,
): Middleware {
  return async (ctx, next) => {
    const match = INTERACTION_PATH.exec(ctx.path);
    if (!match) return next();
    const [, uid, action] = match;
    ctx.set('Cache-Control', 'no-store');
    try {
      const interaction = await provider.interactionDetails(ctx.req, ctx.res);
      if (interaction.uid !== uid) throw new Error('this sign-in page belongs to another request');
      const pages = new InteractionPages(provider, ctx, interaction, mountPath, user);
      await pages.respond(action);
    } catch (error) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage('invalid_request', (error as Error).message);
    }
  };
}

class InteractionPages {
  constructor(
    private readonly provider: Provider,
    private readonly ctx: KoaContext,
    private readonly interaction: Interaction,
    private readonly mountPath: string,
    private readonly user: DemoUser,
  ) {}

  async respond(action: string | undefined): Promise<void> {
    const promptName = this.interaction.prompt.name;
    if (action === undefined && this.ctx.method === 'GET') {
      return promptName === 'login' ? this.showLogin() : this.showConsent();
    }
    if (this.ctx.method !== 'POST') throw new Error(`${this.ctx.method} is not allowed here`);
    if (action === 'abort')
      return this.finish({
        error: 'access_denied',
        error_description: 'End-User aborted interaction',
      });
    if (action === 'login' && promptName === 'login') return this.login();
    if (action === 'confirm' && promptName === 'consent') return this.confirm();
    throw new Error(`expected the ${promptName} step, got ${action}`);
  }

  private async showLogin(username?: string, error?: string): Promise<void> {
    this.ctx.type = 'html';
    this.ctx.body = loginPage({
      actionBase: this.actionBase(),
      clientName: await this.clientName(),
      hint: `Demo account: ${this.user.username} / ${this.user.password}`,
      username,
      error,
    });
  }

  private async showConsent(): Promise<void> {
    const { missingOIDCScope = [], missingResourceScopes = {} } = this.interaction.prompt.details;
    const resourceScopes = Object.values(missingResourceScopes).flat();
    this.ctx.type = 'html';
    this.ctx.body = consentPage({
      actionBase: this.actionBase(),
      clientName: await this.clientName(),
      scopes: [...new Set([...missingOIDCScope, ...resourceScopes])],
      resources: Object.keys(missingResourceScopes),
    });
  }

  private async login(): Promise<void> {
    const form = await readForm(this.ctx.req);
    const username = form.get('username') ?? '';
    if (username !== this.user.username || form.get('password') !== this.user.password) {
      this.ctx.status = 401;
      return this.showLogin(username, 'Incorrect username or password.');
    }
    return this.finish({ login: { accountId: username } });
  }

  /** Grants what the consent prompt found missing, as oidc-provider's own dev pages do. */
  private async confirm(): Promise<void> {
    const { session, grantId, params, prompt } = this.interaction;
    const { Grant } = this.provider;
    const grant =
      grantId !== undefined
        ? await Grant.find(grantId)
        : new Grant({ accountId: session?.accountId ?? '', clientId: params.client_id ?? '' });
    if (!grant) throw new Error('the grant of this sign-in has expired');
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    return this.finish({ consent: { grantId: await grant.save() } });
  }

  private async finish(result: InteractionResult): Promise<void> {
    const returnTo = await this.provider.interactionResult(this.ctx.req, this.ctx.res, result, {
      mergeWithLastSubmission: 'consent' in result,
    });
    this.ctx.status = 303;
    this.ctx.redirect(returnTo);
  }

  private actionBase(): string {
    return `${this.mountPath}/interaction/${this.interaction.uid}`;
  }

  private async clientName(): Promise<string> {
    const clientId = this.interaction.params.client_id ?? '';
    const client = await this.provider.Client.find(clientId);
    return client?.clientName ?? clientId;
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('the form is too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
