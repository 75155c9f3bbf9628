import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span, SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export { SpanKind };
export type { Attributes, Context, Link, Span, SpanContext };

const TRACER_NAME = '@gov/platform';
/** Links per span at most: a replay batch may hold thousands of records. */
const MAX_LINKS = 128;

// W3C trace context, independent of the propagator the SDK installs (or not): envelopes and
// Kafka headers always carry exactly `traceparent` and `tracestate`.
const w3c = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Readonly<Record<string, string>>) => Object.keys(carrier),
  get: (carrier: Readonly<Record<string, string>>, key: string) => carrier[key],
};
const headerSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

/** W3C trace context as an envelope or a Kafka record carries it. */
export interface TraceHeaders {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** Options of {@link inSpan}. */
export interface InSpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: readonly Link[];
  /** The parent; the active context by default. `ROOT_CONTEXT` starts a new trace. */
  readonly parent?: Context;
}

/**
 * Runs `work` inside a new span, active for everything `work` awaits (database queries, log
 * lines), and ends the span when `work` settles; a failure is recorded on the span and
 * rethrown. Without a started SDK the span is a no-op and this costs a function call.
 */
export async function inSpan<T>(
  name: string,
  options: InSpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = trace.getTracer(TRACER_NAME).startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links && options.links.length > 0
        ? { links: options.links.slice(0, MAX_LINKS) }
        : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * The W3C trace context of `span`, to record in an envelope or a Kafka header; `undefined` for
 * a no-op span (tracing off), so that callers keep whatever context they already had.
 */
export function traceHeadersOf(span: Span | undefined): TraceHeaders | undefined {
  if (!span?.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, headerSetter);
  const traceparent = carrier['traceparent'];
  if (traceparent === undefined) return undefined;
  const tracestate = carrier['tracestate'];
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The remote span context a `traceparent` (and `tracestate`) names; `undefined` when it is
 * missing or not a valid W3C trace context.
 */
export function spanContextFrom(
  traceparent: string | null | undefined,
  tracestate?: string | null,
): SpanContext | undefined {
  if (!traceparent) return undefined;
  const carrier: Record<string, string> = tracestate
    ? { traceparent, tracestate }
    : { traceparent };
  const extracted = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, carrier, headerGetter));
  return extracted && trace.isSpanContextValid(extracted) ? extracted : undefined;
}

/** A context whose parent is the remote span `traceparent` names; the root context otherwise. */
export function contextFrom(
  traceparent: string | null | undefined,
  tracestate?: string | null,
): Context {
  const remote = spanContextFrom(traceparent, tracestate);
  return remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
}

/**
 * Where a unit of work that handles several traced items (a relay batch, a consumer batch)
 * belongs: the child of their one trace when they all belong to the same one (a single
 * request's events: the common case when live), else a new trace linked to each of them.
 */
export function batchParent(contexts: readonly (SpanContext | undefined)[]): {
  readonly parent: Context;
  readonly links: readonly Link[];
} {
  const known = contexts.filter((c): c is SpanContext => c !== undefined);
  const first = known[0];
  if (first && known.every((c) => c.traceId === first.traceId)) {
    return { parent: trace.setSpanContext(ROOT_CONTEXT, first), links: [] };
  }
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const c of known) {
    const key = `${c.traceId}-${c.spanId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    links.push({ context: c });
    if (links.length >= MAX_LINKS) break;
  }
  return { parent: ROOT_CONTEXT, links };
}

/** The span active here, if tracing is on and one is; for setting attributes and names. */
export function activeSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/**
 * `traceId` and `spanId` of the active span, for a log line (the chassis' pino mixin); empty
 * when there is none, so lines outside a trace carry no made-up ids.
 */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
