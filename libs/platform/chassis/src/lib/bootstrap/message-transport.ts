import { Catch, Global, Injectable, Module } from '@nestjs/common';
import type { ExceptionFilter } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';

/**
 * Injection token under which a service's module provides its message transport (a
 * `CustomTransportStrategy` of `@nestjs/microservices` serving its `@EventPattern` handlers), for
 * its own providers to ask it about its consumers. Registering it with {@link MessageTransports}
 * is what makes `startService` serve it.
 */
export const MESSAGE_TRANSPORT = Symbol('MESSAGE_TRANSPORT');

/**
 * The message transports a service's modules registered: `startService` connects each to the
 * application and starts it before the HTTP server listens; closing the application stops them.
 * Every service has this (empty unless a module registers one), so the chassis never has to ask
 * Nest for a provider that may not exist.
 */
@Injectable()
export class MessageTransports {
  private readonly strategies: CustomTransportStrategy[] = [];

  register(strategy: CustomTransportStrategy): void {
    this.strategies.push(strategy);
  }

  get all(): readonly CustomTransportStrategy[] {
    return this.strategies;
  }
}

/** Makes {@link MessageTransports} injectable everywhere in a service. */
@Global()
@Module({ providers: [MessageTransports], exports: [MessageTransports] })
export class MessageTransportsModule {}

/**
 * Hands a consumer handler's error to the transport unchanged. Nest's default RPC filter turns
 * every error into `{ status: 'error', message: 'Internal server error' }`, which would hide from
 * the transport whether an error is permanent (dead-letter at once) or transient (retry).
 */
@Catch()
export class RethrowToTransportFilter implements ExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
