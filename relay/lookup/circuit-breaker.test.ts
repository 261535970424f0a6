import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row, and a success in between starts the count again', () => {
    const breaker = new CircuitBreaker(3, 1_000, () => 0);
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state()).toBe('closed');
    breaker.failure();
    expect(breaker.state()).toBe('open');
    expect(breaker.allow()).toBe(false);
  });

  it('lets exactly one trial through after the cool-down; its success closes it, its failure opens it again', () => {
    let now = 0;
    const breaker = new CircuitBreaker(1, 1_000, () => now);
    breaker.failure();
    now = 999;
    expect(breaker.allow()).toBe(false);
    now = 1_000;
    expect(breaker.state()).toBe('half-open');
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one trial at a time
    breaker.failure();
    expect(breaker.state()).toBe('open');
    now = 2_000;
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect(breaker.state()).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('ends a trial with no verdict (neutral) so the next lookup may try again', () => {
    let now = 0;
    const breaker = new CircuitBreaker(1, 1_000, () => now);
    breaker.failure();
    now = 1_000;
    expect(breaker.allow()).toBe(true);
    breaker.neutral();
    expect(breaker.state()).toBe('half-open');
    expect(breaker.allow()).toBe(true);
  });

  it('says how long until it tries the source again, only while open', () => {
    let now = 0;
    const breaker = new CircuitBreaker(1, 30_000, () => now);
    expect(breaker.retryInMs()).toBeNull();
    breaker.failure();
    now = 1_000;
    expect(breaker.retryInMs()).toBe(29_000);
    now = 30_000;
    expect(breaker.retryInMs()).toBeNull();
  });
});
