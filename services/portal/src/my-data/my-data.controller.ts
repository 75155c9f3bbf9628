import { Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { ApiClient, ApiProblem } from '../api/api-client';
import type { PageContext } from '../http/page-context';
import { PageController } from '../http/page-controller';
import { Page, PageForbidden, SignedInOnly, sessionOf } from '../http/page-context';
import { sendPage } from '../http/render';
import { NO_ERRORS } from '../layout/forms';
import { MY_DATA } from './my-data.messages';
import { historyBody, myDataBody } from './my-data.views';
import type { AsOf } from './my-data.views';
import { luxembourgInstant } from './record-format';
import type { PersonRecord, RecordHistory } from './record-format';

/** The signed-in citizen's national identification number. */
export function nationalIdOf(page: PageContext): string {
  const { user } = sessionOf(page);
  if (user.role !== 'citizen') throw new PageForbidden('only citizens have a record');
  return user.nationalId;
}

/** My data: the person's record in the registry, now or as of a date, and its history. */
@PageController()
export class MyDataController {
  constructor(private readonly api: ApiClient) {}

  @Get('my-data')
  @SignedInOnly('citizen')
  async record(
    @Page() page: PageContext,
    @Query('asOf') asOfParam: unknown,
    @Query('asOfTime') asOfTimeParam: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const nationalId = nationalIdOf(page);
    const { token } = sessionOf(page);
    const t = MY_DATA.in(page.language);
    const path = `/persons/${encodeURIComponent(nationalId)}`;
    const date = typeof asOfParam === 'string' ? asOfParam.trim() : '';
    const time = typeof asOfTimeParam === 'string' ? asOfTimeParam.trim() : '';
    const title = t('title');
    if (date === '') {
      const record = (await this.api.json<PersonRecord>('registry', 'GET', path, token)).body;
      return sendPage(reply, page, {
        title,
        body: myDataBody(page, record, { kind: 'today' }, NO_ERRORS),
        styles: ['registry'],
      });
    }
    const instant = luxembourgInstant(date, time);
    if (instant === undefined) {
      // A date the form could not have sent (typed into the address): say so by the field,
      // with today's record below.
      const record = (await this.api.json<PersonRecord>('registry', 'GET', path, token)).body;
      const asOf: AsOf = { kind: 'invalid', date, time };
      const errors = new Map([['asOf', t('asOfInvalid')]]);
      return sendPage(
        reply,
        page,
        { title, body: myDataBody(page, record, asOf, errors), styles: ['registry'] },
        400,
      );
    }
    let record: PersonRecord;
    try {
      record = (
        await this.api.json<PersonRecord>('registry', 'GET', path, token, {
          query: { asOf: instant },
        })
      ).body;
    } catch (error) {
      if (!(error instanceof ApiProblem) || (error.status !== 404 && error.status !== 400)) {
        throw error;
      }
      if (error.status === 400) {
        const errors = new Map([['asOf', error.fieldError('asOf') ?? t('asOfInvalid')]]);
        const body = myDataBody(page, undefined, { kind: 'invalid', date, time }, errors);
        return sendPage(reply, page, { title, body, styles: ['registry'] }, 400);
      }
      const body = myDataBody(
        page,
        undefined,
        { kind: 'before-registration', date, time },
        NO_ERRORS,
      );
      return sendPage(reply, page, { title, body, styles: ['registry'] });
    }
    const asOf: AsOf = { kind: 'shown', date, time, instant };
    const body = myDataBody(page, record, asOf, NO_ERRORS);
    return sendPage(reply, page, { title, body, styles: ['registry'] });
  }

  @Get('my-data/history')
  @SignedInOnly('citizen')
  async history(@Page() page: PageContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const nationalId = nationalIdOf(page);
    const history = (
      await this.api.json<RecordHistory>(
        'registry',
        'GET',
        `/persons/${encodeURIComponent(nationalId)}/history`,
        sessionOf(page).token,
      )
    ).body;
    return sendPage(reply, page, {
      title: MY_DATA.in(page.language)('historyTitle'),
      body: historyBody(page, history),
      styles: ['registry'],
    });
  }
}
