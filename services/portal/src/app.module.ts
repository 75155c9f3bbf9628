import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';

import { READINESS_CHECKS } from '@gov/platform-chassis';

import { AccessLogController } from './access-log/access-log.controller';
import { ApiClient } from './api/api-client';
import { BusinessesController } from './businesses/businesses.controller';
import { CorrectionsController } from './corrections/corrections.controller';
import { CasesController } from './cases/cases.controller';
import { ConsoleController } from './console/console.controller';
import { ConsentsController } from './consents/consents.controller';
import { HomeController } from './home/home.controller';
import { AssetsController } from './http/assets.controller';
import { NotFoundController } from './http/not-found.controller';
import { PageGuard } from './http/page-context';
import { MyDataController } from './my-data/my-data.controller';
import type { PortalConfig } from './portal.config';
import { loadSecrets } from './portal.config';
import { OIDC_CLIENT_SECRET, PORTAL_CONFIG } from './portal.tokens';
import { ProceduresController } from './procedures/procedures.controller';
import { LettersController } from './letters/letters.controller';
import { PrefillController } from './prefill/prefill.controller';
import { SessionSealer } from './session/session';
import { OidcSignIn } from './sign-in/oidc-sign-in';
import { SignInController } from './sign-in/sign-in.controller';

/**
 * The portal's root module: server-rendered pages over the services' public HTTP APIs. It has
 * no database and no Kafka client; it is ready as soon as it listens (a service that does not
 * answer is shown on the pages that need it, not a reason to take the portal out of rotation).
 */
@Module({})
export class AppModule {
  static forRoot(config: PortalConfig): DynamicModule {
    // Files named by the configuration are read once, here: a missing one stops the start.
    const secrets = loadSecrets(config);
    return {
      module: AppModule,
      // NotFoundController last: it answers every GET no other controller declares.
      controllers: [
        SignInController,
        HomeController,
        AssetsController,
        MyDataController,
        CorrectionsController,
        BusinessesController,
        AccessLogController,
        ProceduresController,
        CasesController,
        ConsoleController,
        LettersController,
        ConsentsController,
        PrefillController,
        NotFoundController,
      ],
      providers: [
        { provide: PORTAL_CONFIG, useValue: config },
        { provide: SessionSealer, useValue: new SessionSealer(secrets.sessionKey) },
        { provide: OIDC_CLIENT_SECRET, useValue: secrets.clientSecret },
        { provide: READINESS_CHECKS, useValue: [] },
        ApiClient,
        OidcSignIn,
        PageGuard,
      ],
      exports: [READINESS_CHECKS],
    };
  }
}
