import { Catch } from '@nestjs/common';
import type { ExceptionFilter } from '@nestjs/common';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';

/**
 * Injection token of a service's message transport: a `CustomTransportStrategy` of
 * `@nestjs/microservices` that serves the service's `@EventPattern` handlers. When a service's
 * module provides one, `startService` connects it to the application and starts it before the
 * HTTP server listens; closing the application stops it.
 */
export const MESSAGE_TRANSPORT = Symbol('MESSAGE_TRANSPORT');

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
