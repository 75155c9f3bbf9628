import { metricsRegistry, renderMetrics } from './metrics-registry';
import {
  consumerDeadLetters,
  consumerLag,
  eventStoreAppendDuration,
  httpRequestDuration,
  relayLagEvents,
  relayLagSeconds,
  replicaAppliedPosition,
} from './platform-metrics';

describe('platform metrics', () => {
  beforeEach(() => {
    metricsRegistry.resetMetrics();
  });

  it('expose what was observed, under their names and labels', async () => {
    httpRequestDuration.observe({ method: 'POST', route: '/persons', status_class: '2xx' }, 0.02);
    httpRequestDuration.observe({ method: 'POST', route: '/persons', status_class: '2xx' }, 0.2);
    eventStoreAppendDuration.observe({ schema: 'registry', outcome: 'ok' }, 0.003);
    relayLagEvents.set({ topic: 'registry.events.v1' }, 7);
    relayLagSeconds.set({ topic: 'registry.events.v1' }, 1.5);
    consumerLag.set({ group: 'g', topic: 't', partition: '2' }, 40);
    consumerDeadLetters.inc({ group: 'g', topic: 't' });
    replicaAppliedPosition.set({ schema: 'registry' }, 1234);

    const text = await renderMetrics();

    expect(text).toContain(
      'http_server_request_duration_seconds_count{method="POST",route="/persons",status_class="2xx"} 2',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_bucket{le="0.025",method="POST",route="/persons",status_class="2xx"} 1',
    );
    expect(text).toContain(
      'event_store_append_duration_seconds_count{schema="registry",outcome="ok"} 1',
    );
    expect(text).toContain('outbox_relay_lag_events{topic="registry.events.v1"} 7');
    expect(text).toContain('outbox_relay_lag_seconds{topic="registry.events.v1"} 1.5');
    expect(text).toContain('messaging_consumer_lag_records{group="g",topic="t",partition="2"} 40');
    expect(text).toContain('messaging_consumer_dead_letters_total{group="g",topic="t"} 1');
    expect(text).toContain('replica_applied_position{schema="registry"} 1234');
  });
});
