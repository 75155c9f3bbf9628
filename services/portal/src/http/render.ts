import type { FastifyReply } from 'fastify';

import { documentOf } from '../html/html';
import { layout } from '../layout/layout';
import type { PageContent } from '../layout/layout';
import type { PageContext } from './page-context';
import { pageHeaders } from './page-context';

/** Sends a page in the portal's frame. */
export function sendPage(
  reply: FastifyReply,
  page: PageContext,
  content: PageContent,
  status = 200,
): FastifyReply {
  return pageHeaders(reply)
    .status(status)
    .send(documentOf(layout(page, content)));
}

/**
 * Answers a form with a redirect to the page that shows its result (303: the browser follows
 * with GET, so a reload does not send the form again).
 */
export function redirectTo(reply: FastifyReply, location: string): FastifyReply {
  return reply.status(303).header('cache-control', 'no-store').header('location', location).send();
}
