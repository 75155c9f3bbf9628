import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { AuthGuard } from './auth.guard';
import { TokenVerifier } from './token-verifier';
import type { TokenVerifierOptions } from './token-verifier';

/** Provides the {@link TokenVerifier} and the {@link AuthGuard} to a service. */
@Module({})
export class AuthModule {
  static forRoot(options: TokenVerifierOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [{ provide: TokenVerifier, useValue: new TokenVerifier(options) }, AuthGuard],
      exports: [TokenVerifier, AuthGuard],
    };
  }
}
