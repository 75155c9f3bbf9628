import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';

import { ReceiptSigner } from '@gov/consent-application';
import type { Jwks } from '@gov/consent-application';
import { ApiJsonResponse } from '@gov/platform-chassis';

/** The public key that verifies receipts: public, no token, cacheable. */
@ApiTags('receipts')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly signer: ReceiptSigner) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The key set that verifies consent receipts (RFC 7517)',
    description: 'Verify a receipt offline: EdDSA (Ed25519) compact JWS, key by kid.',
  })
  @ApiJsonResponse(
    200,
    'The JWKS',
    z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
    { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '…', kid: '…', alg: 'EdDSA', use: 'sig' }] },
    [],
  )
  jwks(): Jwks {
    return this.signer.jwks;
  }
}
