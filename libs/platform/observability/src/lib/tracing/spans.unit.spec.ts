import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

import {
  batchParent,
  contextFrom,
  inSpan,
  spanContextFrom,
  traceHeadersOf,
  traceLogFields,
} from './spans';

const TRACE_A = '0af7651916cd43dd8448eb211c80319c';
const TRACE_B = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentOf = (traceId: string, spanId = 'b7ad6b7169203331'): string =>
  `00-${traceId}-${spanId}-01`;

describe('spans, without a started SDK (tracing off)', () => {
  it('runs the work, creates nothing to record and gives no trace context', async () => {
    const result = await inSpan('work', {}, (span) => {
      expect(span.isRecording()).toBe(false);
      expect(traceHeadersOf(span)).toBeUndefined();
      expect(traceLogFields()).toEqual({});
      return Promise.resolve(42);
    });
    expect(result).toBe(42);
  });
});

describe('spans, with an SDK', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  let provider: TracerProvider;

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(provider);
  });

  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  beforeEach(() => {
    exporter.reset();
  });

  it('continues the trace a traceparent names, and hands out its own context', async () => {
    let headers: ReturnType<typeof traceHeadersOf>;
    let logged: ReturnType<typeof traceLogFields> = {};
    await inSpan('append', { parent: contextFrom(parentOf(TRACE_A)) }, async (span) => {
      await Promise.resolve();
      headers = traceHeadersOf(span);
      logged = traceLogFields();
    });

    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('append');
    expect(span?.spanContext().traceId).toBe(TRACE_A);
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(headers?.traceparent).toBe(`00-${TRACE_A}-${span?.spanContext().spanId ?? ''}-01`);
    expect(logged).toEqual({ traceId: TRACE_A, spanId: span?.spanContext().spanId });
  });

  it('records a failure on the span and rethrows it', async () => {
    await expect(
      inSpan('fails', {}, () => Promise.reject(new Error('broker down'))),
    ).rejects.toThrow('broker down');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.message).toBe('broker down');
    expect(span?.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('makes a batch of one trace its child, and links a mixed batch instead', () => {
    const a1 = spanContextFrom(parentOf(TRACE_A, '1111111111111111'));
    const a2 = spanContextFrom(parentOf(TRACE_A, '2222222222222222'));
    const b = spanContextFrom(parentOf(TRACE_B));

    const same = batchParent([a1, undefined, a2]);
    expect(trace.getSpanContext(same.parent)?.traceId).toBe(TRACE_A);
    expect(same.links).toEqual([]);

    const mixed = batchParent([a1, b, a1]);
    expect(mixed.parent).toBe(ROOT_CONTEXT);
    expect(mixed.links.map((link) => link.context.traceId)).toEqual([TRACE_A, TRACE_B]);
  });

  it('ignores a traceparent that is not W3C', () => {
    expect(spanContextFrom('00-nothex-b7ad6b7169203331-01')).toBeUndefined();
    expect(spanContextFrom(null)).toBeUndefined();
    expect(contextFrom('garbage')).toBe(ROOT_CONTEXT);
  });
});
