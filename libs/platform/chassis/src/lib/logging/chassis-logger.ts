import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** Where Nest reports its own start-up steps (modules loaded, routes mapped, app started). */
const NEST_STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * nestjs-pino's Nest logger, with Nest's start-up steps at debug: a dozen lines per start that
 * help when debugging the wiring and drown the one line that matters otherwise ("listening").
 */
@Injectable()
export class ChassisLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && NEST_STARTUP_CONTEXTS.has(context)) {
      super.debug(message, ...optionalParams);
    } else {
      super.log(message, ...optionalParams);
    }
  }
}
