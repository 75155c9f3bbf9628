import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { RATE_LIMIT_PRINCIPAL } from '@gov/platform-chassis';

import { AuthGuard, BearerRateLimitPrincipal } from './auth.guard';
import { TokenVerifier } from './token-verifier';
import type { TokenVerifierOptions } from './token-verifier';

/**
 * Provides the {@link TokenVerifier} and the {@link AuthGuard} to a service, and tells the
 * chassis' rate limit who a request is from (its verified principal).
 */
@Module({})
export class AuthModule {
  static forRoot(options: TokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(options) },
        AuthGuard,
        { provide: RATE_LIMIT_PRINCIPAL, useClass: BearerRateLimitPrincipal },
      ],
      exports: [TokenVerifier, AuthGuard, RATE_LIMIT_PRINCIPAL],
    };
  }
}
