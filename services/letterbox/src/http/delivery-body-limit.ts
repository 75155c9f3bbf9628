import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';

import { LETTER_LIMITS } from '@gov/letterbox-domain';

/**
 * The body limit of `POST /letters` alone: a 10 MiB document travels base64-encoded in JSON
 * (4/3 of its size), with room for the other fields. Every other route keeps the chassis'
 * 1 MiB. The decoded size is checked again by the domain (a 413 naming the limit).
 */
export const DELIVERY_BODY_LIMIT_BYTES =
  Math.ceil(LETTER_LIMITS.maxContentBytes / 3) * 4 + 64 * 1024;

/**
 * Raises Fastify's body limit for the delivery route. Fastify takes a per-route `bodyLimit`
 * when the route is registered, and Nest registers routes after it has created the providers:
 * so the hook is installed here, at creation, and sees the route go by.
 */
@Injectable()
export class DeliveryBodyLimit {
  constructor(adapterHost: HttpAdapterHost<FastifyAdapter>) {
    const fastify = adapterHost.httpAdapter.getInstance();
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (route.url === '/letters' && methods.includes('POST')) {
        route.bodyLimit = DELIVERY_BODY_LIMIT_BYTES;
      }
    });
  }
}
