import { Get, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem, ServiceUnavailable } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, SignedInOnly, sessionOf } from '../http/page-context';
import { sendPage } from '../http/render';
import { nationalIdOf } from '../my-data/my-data.controller';
import { BUSINESSES } from './businesses.messages';
import { businessBody, businessListBody, casesOf, lettersOf } from './businesses.views';
import type {
  BusinessRecord,
  CaseSummary,
  LetterSummary,
  ManagedBusiness,
  Section,
} from './businesses.views';

const BUSINESS_NUMBER = /^B[1-9]\d{0,5}$/;

/**
 * My businesses: the businesses the registry names the person as a manager of
 * (`GET /persons/{nationalId}/businesses`), and for each its record and managers (the registry
 * lets a current manager read it), the person's procedures for it (their dashboard's cases
 * that name the business) and its letters (the letterbox lists a manager's businesses' letters
 * with their own).
 */
@PageController()
export class BusinessesController {
  private readonly logger = new Logger('Businesses');

  constructor(private readonly api: ApiClient) {}

  @Get('businesses')
  @SignedInOnly('citizen')
  async list(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const nationalId = nationalIdOf(page);
    const { businesses } = (
      await this.api.json<{ businesses: ManagedBusiness[] }>(
        'registry',
        'GET',
        `/persons/${encodeURIComponent(nationalId)}/businesses`,
        sessionOf(page).token,
      )
    ).body;
    return sendPage(reply, page, {
      title: BUSINESSES.in(page.language)('title'),
      body: businessListBody(page, businesses),
      styles: ['registry'],
    });
  }

  @Get('businesses/:number')
  @SignedInOnly('citizen')
  async business(
    @Page() page: PageContext,
    @Param('number') number: string,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const nationalId = nationalIdOf(page);
    if (!BUSINESS_NUMBER.test(number)) throw new NotFoundException();
    const { token } = sessionOf(page);
    // The record first: the registry refuses (403) anyone it does not name as a manager, and
    // then nothing else is asked.
    const business = (
      await this.api.json<BusinessRecord>('registry', 'GET', `/businesses/${number}`, token)
    ).body;
    const [cases, letters] = await Promise.all([
      this.section(() =>
        this.api
          .json<{ active: CaseSummary[]; completed: CaseSummary[] }>(
            'procedures',
            'GET',
            '/dashboard',
            token,
          )
          .then((answer) => casesOf(answer.body, number)),
      ),
      this.section(() =>
        this.api
          .json<{ items: LetterSummary[] }>('letterbox', 'GET', '/letters', token)
          .then((answer) => lettersOf(answer.body.items, number)),
      ),
    ]);
    return sendPage(reply, page, {
      title: business.name,
      body: businessBody(page, nationalId, business, cases, letters),
      styles: ['registry'],
    });
  }

  /** A part of the page from another service: shown as unavailable rather than failing the page. */
  private async section<T>(read: () => Promise<T[]>): Promise<Section<T>> {
    try {
      return { ok: true, items: await read() };
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) throw error;
      if (!(error instanceof ApiProblem) && !(error instanceof ServiceUnavailable)) throw error;
      this.logger.warn({ err: error }, 'a section of the business page is unavailable');
      return { ok: false };
    }
  }
}
