import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { READINESS_CHECKS } from '@gov/platform-chassis';

import { ApiClient } from './api/api-client';
import { ConsentsController } from './consents/consents.controller';
import { HomeController } from './home/home.controller';
import { AssetsController } from './http/assets.controller';
import { NotFoundController } from './http/not-found.controller';
import { PageGuard } from './http/page-context';
import { LettersController } from './letters/letters.controller';
import type { PortalConfig } from './portal.config';
import { PORTAL_CONFIG } from './portal.tokens';
import { PrefillController } from './prefill/prefill.controller';
import { SessionSealer } from './session/session';
import { SignInController } from './sign-in/sign-in.controller';

/**
 * The portal's root module: server-rendered pages over the services' public HTTP APIs. It has
 * no database and no Kafka client; it is ready as soon as it listens (a service that does not
 * answer is shown on the pages that need it, not a reason to take the portal out of rotation).
 */
@Module({})
export class AppModule {
  static forRoot(config: PortalConfig): DynamicModule {
    return {
      module: AppModule,
      // NotFoundController last: it answers every GET no other controller declares.
      controllers: [
        SignInController,
        HomeController,
        AssetsController,
        LettersController,
        ConsentsController,
        PrefillController,
        NotFoundController,
      ],
      providers: [
        { provide: PORTAL_CONFIG, useValue: config },
        { provide: SessionSealer, useValue: new SessionSealer(config.sessionSecret) },
        { provide: READINESS_CHECKS, useValue: [] },
        ApiClient,
        PageGuard,
      ],
      exports: [READINESS_CHECKS],
    };
  }
}
