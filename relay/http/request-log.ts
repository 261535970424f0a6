import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import { loggablePath, type Logger } from '../platform/log';

/** A request id a caller may choose: short, and nothing a log reader could mistake for structure. */
const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Every request has an id (the caller's X-Request-Id when it is a sane one, else a UUID), answered
 * back and in every log line about it (`req.log`), so one Voicenter request can be followed
 * through the logs. The request itself is logged only at debug, its path without the pop-up token.
 */
export function requestLog(log: Logger) {
  return pinoHttp({
    logger: log,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    genReqId: requestId,
    autoLogging: log.isLevelEnabled('debug'),
    customLogLevel: () => 'debug',
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    serializers: { req: requestFields, res: responseFields },
  });
}

/** The request's id (the caller's X-Request-Id when it is a sane one, else a new UUID), answered back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

const requestFields = (req: { method?: string; url?: string }) => ({ method: req.method, path: loggablePath(req.url ?? '') });
const responseFields = (res: { statusCode: number }) => ({ status: res.statusCode });

/** At debug, one line per request once answered, as pino-http writes it for Express's requests. */
export function logRequestAtDebug(req: IncomingMessage, res: ServerResponse, log: Logger): void {
  if (!log.isLevelEnabled('debug')) return;
  const started = Date.now();
  res.once('finish', () => log.debug({ req: requestFields(req), res: responseFields(res), responseTime: Date.now() - started }, 'request'));
}
