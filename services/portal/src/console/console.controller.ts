import { Body, Get, Inject, NotFoundException, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem, ServiceUnavailable } from '../api/api-client';
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { redirectTo, sendPage } from '../http/render';
import { errorSummary, fieldErrorsOf, formValue, NO_ERRORS } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import type { PortalConfig, SiteServices } from '../portal.config';
import { PORTAL_CONFIG } from '../portal.tokens';
import { isAction, isSite, SITES } from './console-api';
import type {
  Promotion,
  ReplicationAction,
  ReplicationDigest,
  ReplicationStatus,
  RoleChange,
  SiteName,
  SyncHistory,
  SyncStatus,
} from './console-api';
import { consoleData, isStatus, statusKey } from './console-data';
import type { ConsoleData } from './console-data';
import { CONSOLE } from './console.messages';
import {
  confirmBody,
  consoleBody,
  drillBody,
  failoverBody,
  liveFigures,
  onSite,
  outcomeBox,
} from './console.view';
import { readDrillReport } from './drill-report';
import { failOverToEmbassy, FailoverStepError } from './failover';
import type { FailoverResult, ReplicationCalls } from './failover';
import { actionOutcomeQuery, failoverOutcomeQuery, outcomeOf } from './outcome';
import type { ConsoleOutcome } from './outcome';

/** Points of the lag chart per service (one every 2.5 s over embassy-sync's 5 minutes). */
const CHART_POINTS = '120';
/** The services' own limit on a reason (libs/platform/replication). */
const MAX_REASON = 500;

/**
 * The operator console: both sites of every replicated service with embassy-sync's lag,
 * checkpoints and alarms; fence, promote and demote one service on one site, or fail every
 * service over to the embassy, each behind a confirmation; the last drill's report. Every call
 * carries the operator's own token: the services decide what an operator may do.
 */
@PageController('console')
@SignedInOnly('operator')
export class ConsoleController {
  constructor(
    @Inject(PORTAL_CONFIG) private readonly config: PortalConfig,
    @Inject(ApiClient) private readonly api: ApiClient,
  ) {}

  @Get()
  async console(
    @Page() page: PageContext,
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const data = await this.gather(sessionOf(page).token);
    const outcome = outcomeOf(
      query,
      this.config.siteServices.map((s) => s.name),
    );
    const t = CONSOLE.in(page.language);
    return sendPage(reply, page, {
      title: t('title'),
      body: consoleBody(page, data, outcome && this.outcomeBox(page, outcome)),
      styles: ['console'],
      scripts: ['console'],
    });
  }

  /** The figures console.js puts into the page every few seconds. */
  @Get('status.json')
  async statusJson(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const data = await this.gather(sessionOf(page).token);
    return reply
      .headers({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .send(JSON.stringify(liveFigures(page, data)));
  }

  @Get('confirm')
  async confirm(
    @Page() page: PageContext,
    @Query('service') service: unknown,
    @Query('site') site: unknown,
    @Query('action') action: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const target = this.target(service, site, action);
    const role = await this.roleOf(target.service, target.site, sessionOf(page).token);
    return this.renderConfirm(reply, page, { ...target, role }, NO_ERRORS, '');
  }

  @Post('action')
  async act(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const target = this.target(
      formValue(body, 'service'),
      formValue(body, 'site'),
      formValue(body, 'action'),
    );
    const reason = formValue(body, 'reason');
    const token = sessionOf(page).token;
    let position: string | undefined;
    try {
      const answer = await this.api.jsonAt<Promotion | RoleChange>(
        target.url,
        target.service.name,
        'POST',
        `replication/${target.action}`,
        token,
        { body: { reason } },
      );
      if (target.action === 'promote') position = (answer.body as Promotion).position;
    } catch (error) {
      if (error instanceof ApiProblem && [400, 409, 412, 422].includes(error.status)) {
        const role = await this.roleOf(target.service, target.site, token);
        return this.renderConfirm(
          reply,
          page,
          { ...target, role },
          fieldErrorsOf(error),
          reason,
          error.status,
        );
      }
      throw error;
    }
    return redirectTo(
      reply,
      `/console?${actionOutcomeQuery(target.action, target.service.name, target.site, position)}`,
    );
  }

  @Get('failover')
  async failoverPage(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (this.config.siteServices.length === 0) throw new NotFoundException();
    const data = await this.gather(sessionOf(page).token);
    return this.renderFailover(reply, page, data, NO_ERRORS, '', html``);
  }

  @Post('failover')
  async failover(
    @Page() page: PageContext,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (this.config.siteServices.length === 0) throw new NotFoundException();
    const t = CONSOLE.in(page.language);
    const token = sessionOf(page).token;
    const reason = formValue(body, 'reason').trim();
    if (reason.length === 0 || reason.length > MAX_REASON) {
      // The services would refuse it on the first fence; said before anything is fenced.
      const errors = new Map([['reason', t('reasonRequired', { max: MAX_REASON })]]);
      const data = await this.gather(token);
      return this.renderFailover(reply, page, data, errors, reason, html``, 400);
    }
    const results = await failOverToEmbassy(
      this.config.siteServices,
      reason,
      this.replicationCalls(token),
    );
    const failures = results.flatMap((r) => (r.ok ? [] : [r.error]));
    if (failures.length === 0) {
      return redirectTo(
        reply,
        `/console?${failoverOutcomeQuery(results.flatMap((r) => (r.ok ? [r] : [])))}`,
      );
    }
    const sessionEnded = failures.find(
      (e): e is ApiProblem => e instanceof ApiProblem && e.status === 401,
    );
    if (sessionEnded !== undefined) throw sessionEnded;
    const data = await this.gather(token);
    const summary = outcomeBox(
      'failure',
      t('failoverFailed'),
      results.map((result) => this.resultLine(page, result)),
    );
    return this.renderFailover(
      reply,
      page,
      data,
      NO_ERRORS,
      reason,
      summary,
      failoverStatus(failures[0]),
    );
  }

  @Get('drill')
  async drill(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const t = CONSOLE.in(page.language);
    const read = await readDrillReport(this.config.drillReportFile);
    return sendPage(reply, page, {
      title: t('drillTitle'),
      body: drillBody(page, read),
      styles: ['console'],
    });
  }

  // -------------------------------------------------------------------------------------------

  /** Everything the console shows, read at once; what does not answer is shown as such. */
  private async gather(token: string): Promise<ConsoleData> {
    const services = this.config.siteServices;
    const reads = services.flatMap((service) =>
      SITES.map(async (site) => {
        const url = site === 'primary' ? service.primaryUrl : service.embassyUrl;
        try {
          const answer = await this.api.jsonAt<ReplicationStatus>(
            url,
            service.name,
            'GET',
            'replication/status',
            token,
          );
          return [statusKey(service.name, site), answer.body] as const;
        } catch (error) {
          return [statusKey(service.name, site), { error: unavailable(error) }] as const;
        }
      }),
    );
    const [sync, history, statuses] = await Promise.all([
      this.optional(this.api.json<SyncStatus>('embassy-sync', 'GET', 'status', token)),
      this.optional(
        this.api.json<SyncHistory>('embassy-sync', 'GET', 'status/history', token, {
          query: { points: CHART_POINTS },
        }),
      ),
      Promise.all(reads),
    ]);
    return consoleData({
      services,
      sync,
      history,
      statuses: new Map<string, ReplicationStatus | { error: string }>(statuses),
      now: new Date(),
    });
  }

  /** A figure that may be missing; a session the services no longer accept ends the page. */
  private async optional<T>(call: Promise<{ readonly body: T }>): Promise<T | undefined> {
    try {
      return (await call).body;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) throw error;
      return undefined;
    }
  }

  private target(
    service: unknown,
    site: unknown,
    action: unknown,
  ): { service: SiteServices; site: SiteName; action: ReplicationAction; url: string } {
    const found = this.config.siteServices.find((s) => s.name === service);
    if (found === undefined || !isSite(site) || !isAction(action)) {
      throw new NotFoundException();
    }
    return {
      service: found,
      site,
      action,
      url: site === 'primary' ? found.primaryUrl : found.embassyUrl,
    };
  }

  private async roleOf(
    service: SiteServices,
    site: SiteName,
    token: string,
  ): Promise<string | undefined> {
    try {
      const status = await this.api.jsonAt<ReplicationStatus>(
        site === 'primary' ? service.primaryUrl : service.embassyUrl,
        service.name,
        'GET',
        'replication/status',
        token,
      );
      return isStatus(status.body) ? status.body.role : undefined;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) throw error;
      return undefined;
    }
  }

  private renderConfirm(
    reply: FastifyReply,
    page: PageContext,
    target: {
      service: SiteServices;
      site: SiteName;
      action: ReplicationAction;
      role: string | undefined;
    },
    errors: FieldErrors,
    reason: string,
    status = 200,
  ): FastifyReply {
    const t = CONSOLE.in(page.language);
    const name = target.service.name;
    return sendPage(
      reply,
      page,
      {
        title: t('confirmTitle', {
          action: t(target.action),
          service: name,
          site: onSite(t, target.site),
        }),
        body: confirmBody(
          page,
          { service: name, site: target.site, action: target.action, role: target.role },
          errors,
          reason,
          errorSummary(page, errors, { reason: t('reason') }),
        ),
        styles: ['console'],
      },
      status,
    );
  }

  private renderFailover(
    reply: FastifyReply,
    page: PageContext,
    data: ConsoleData,
    errors: FieldErrors,
    reason: string,
    outcome: Html,
    status = 200,
  ): FastifyReply {
    const t = CONSOLE.in(page.language);
    return sendPage(
      reply,
      page,
      {
        title: t('failoverConfirmTitle'),
        body: failoverBody(
          page,
          data,
          errors,
          reason,
          html`${outcome}${errorSummary(page, errors, { reason: t('reason') })}`,
        ),
        styles: ['console'],
      },
      status,
    );
  }

  private outcomeBox(page: PageContext, outcome: ConsoleOutcome): Html {
    const t = CONSOLE.in(page.language);
    if (outcome.kind === 'failover') {
      return outcomeBox(
        'success',
        t('failoverDone'),
        outcome.services.map((s) =>
          t('failoverServiceDone', { service: s.service, head: s.head, position: s.position }),
        ),
      );
    }
    const params = { service: outcome.service, site: onSite(t, outcome.site) };
    const message =
      outcome.action === 'fence'
        ? t('doneFence', params)
        : outcome.action === 'promote'
          ? t('donePromote', { ...params, position: outcome.position ?? '?' })
          : t('doneDemote', params);
    return outcomeBox('success', message, []);
  }

  private resultLine(page: PageContext, result: FailoverResult): string {
    const t = CONSOLE.in(page.language);
    if (result.ok) {
      return t('failoverServiceDone', {
        service: result.service,
        head: result.head,
        position: result.position,
      });
    }
    return t('failoverServiceFailed', {
      service: result.service,
      message: unavailable(result.error),
    });
  }

  private replicationCalls(token: string): ReplicationCalls {
    const call = async <T>(
      baseUrl: string,
      service: string,
      method: 'GET' | 'POST',
      path: string,
      options: { body?: unknown; query?: Record<string, string> } = {},
    ): Promise<T> =>
      (await this.api.jsonAt<T>(baseUrl, service, method, path, token, options)).body;
    return {
      status: (url, service) => call<ReplicationStatus>(url, service, 'GET', 'replication/status'),
      fence: (url, service, reason) =>
        call<RoleChange>(url, service, 'POST', 'replication/fence', { body: { reason } }),
      digest: (url, service, position) =>
        call<ReplicationDigest>(url, service, 'GET', 'replication/digest', {
          query: { position },
        }),
      promote: (url, service, reason) =>
        call<Promotion>(url, service, 'POST', 'replication/promote', { body: { reason } }),
    };
  }
}

/** Why a call failed, in a line (the service's own words when it said something). */
function unavailable(error: unknown): string {
  if (error instanceof ApiProblem) return `${error.status} ${error.detail ?? error.title}`;
  if (error instanceof ServiceUnavailable) return 'no answer';
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The page's status after a failed failover: what the first failure was. */
function failoverStatus(cause: unknown): number {
  if (cause instanceof FailoverStepError) return cause.kind === 'timeout' ? 504 : 409;
  if (cause instanceof ApiProblem) return cause.status >= 500 ? 502 : 409;
  return 502;
}
