import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { serveConsole } from '../http/console-static';
import { pino } from 'pino';
import { errorHandler } from '../http/errors';

async function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const app = express().use(serveConsole(dir)).use(errorHandler(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

describe('the console page', () => {
  it('is served with headers that let only its own script run and forbid framing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    const { url, close } = await serve(dir);
    try {
      const res = await fetch(`${url}/`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    } finally {
      close();
    }
  });

  it('says in JSON that it is not built, when it is not', async () => {
    const { url, close } = await serve(join(tmpdir(), 'no-such-console-dir'));
    try {
      const res = await fetch(`${url}/`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ CODE: 'UNAVAILABLE' });
    } finally {
      close();
    }
  });
});
