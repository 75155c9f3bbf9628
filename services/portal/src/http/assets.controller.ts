import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

/** The folder of the portal's stylesheet and browser scripts (copied into the image as is). */
export const ASSETS_DIR = join(__dirname, '..', 'assets');

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/**
 * The portal's own static files: read once, served with their type and a short cache. Only
 * plain names of the assets folder are served (no paths).
 */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  private readonly cache = new Map<string, Buffer>();

  @Get(':file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): FastifyReply {
    const match = /^[a-z0-9-]+\.(css|js|svg)$/.exec(file);
    const type = match?.[1] === undefined ? undefined : TYPES[match[1]];
    if (type === undefined) throw new NotFoundException();
    let content = this.cache.get(file);
    if (content === undefined) {
      try {
        content = readFileSync(join(ASSETS_DIR, file));
      } catch {
        throw new NotFoundException();
      }
      this.cache.set(file, content);
    }
    return reply
      .headers({
        'content-type': type,
        'cache-control': 'public, max-age=300',
        'x-content-type-options': 'nosniff',
      })
      .send(content);
  }
}
