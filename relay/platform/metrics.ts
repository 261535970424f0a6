import type { CircuitState } from '../../shared/console';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { unhandledRejections } from './unhandled-rejections';

/** The relay's Prometheus metrics, on GET /metrics (text format). Counts and timings only: no numbers, names or secrets. */
export class Metrics {
  readonly registry = new Registry();

  readonly popupRequests = new Counter({
    name: 'screenpop_popup_requests_total',
    help: 'Pop-up requests from Voicenter, by request format and outcome',
    labelNames: ['format', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly lookupSeconds = new Histogram({
    name: 'screenpop_lookup_duration_seconds',
    help: 'Time a caller-lookup source took, by source and outcome',
    labelNames: ['source', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly deliverySeconds = new Histogram({
    name: 'screenpop_delivery_duration_seconds',
    help: 'From a pop-up request arriving to its messages written to the agents sockets',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly resumes = new Counter({
    name: 'screenpop_resumes_total',
    help: 'Extensions that came back after a gap, by how they caught up (replay or resync)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly connectionsRefused = new Counter({
    name: 'screenpop_connections_refused_total',
    help: 'TCP connections closed at once: too many from one address, or in total',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly callLogDropped = new Counter({
    name: 'screenpop_call_log_dropped_total',
    help: 'Requests left out of the call log: its database away past the bound of kept writes (oldest first), or a value it cannot store',
    registers: [this.registry],
  });

  constructor(
    sockets: () => { agents: number; sockets: number },
    circuits: () => Record<string, CircuitState>,
    replayKept: () => number = () => 0,
    callLogPending: () => number = () => 0,
  ) {
    const registers = [this.registry];
    this.registry.registerMetric(unhandledRejections);
    new Gauge({
      name: 'screenpop_connected_agents',
      help: 'Agents with at least one extension connected',
      registers,
      collect() {
        this.set(sockets().agents);
      },
    });
    new Gauge({
      name: 'screenpop_connected_sockets',
      help: 'Extension WebSocket connections',
      registers,
      collect() {
        this.set(sockets().sockets);
      },
    });
    new Gauge({
      name: 'screenpop_source_circuit_state',
      help: 'Circuit breaker of each lookup source: 0 closed, 1 half-open, 2 open',
      labelNames: ['source'] as const,
      registers,
      collect() {
        for (const [source, state] of Object.entries(circuits())) {
          this.set({ source }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
        }
      },
    });
    new Gauge({
      name: 'screenpop_replay_messages',
      help: 'Messages kept for replay to extensions that reconnect (all agents)',
      registers,
      collect() {
        this.set(replayKept());
      },
    });
    new Gauge({
      name: 'screenpop_call_log_pending',
      help: 'Requests waiting to be written to the call log (kept while its database cannot be reached)',
      registers,
      collect() {
        this.set(callLogPending());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'screenpop_' });
  }
}
