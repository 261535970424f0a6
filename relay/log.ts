import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs. Secrets never reach them: the pop-up token is cut from paths before logging. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['password', 'token', '*.password', '*.token', 'req.headers.authorization'], censor: '[secret]' },
  });
}

/** The path as it may be logged: the secret segment of /voicenter/<token> hidden. */
export function loggablePath(path: string): string {
  return path.replace(/^\/voicenter\/[^/?]*/, '/voicenter/[token]').replace(/\?.*$/, '');
}
