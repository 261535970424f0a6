import type { CallEvent } from '../../shared/call-event';
import type { Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';

/** What Voicenter expects back from the pop-up URL (voicenter-popup-api.txt, "Client Response"). */
export interface VoicenterAnswer {
  STATUS: 'OK';
  URL: string;
  CLIENTNAME: string;
  TOTAL: number;
  COMPANY: string;
}

/** Something that finds who is calling: at once, or later (a promise) when it must ask a slow source. */
export type Identify = (phone: Phone, event?: CallEvent) => Identity | Promise<Identity>;

export const PENDING: Identity = Object.freeze({
  status: 'pending', name: '', company: '', url: '', total: 0, id: '', source: '', how: '',
});

/** Nobody found (or no number to look up). */
export const UNKNOWN: Identity = Object.freeze({ ...PENDING, status: 'unknown' });

export function voicenterAnswer(identity: Identity): VoicenterAnswer {
  return {
    STATUS: 'OK',
    URL: identity.url,
    CLIENTNAME: identity.name,
    TOTAL: identity.total,
    COMPANY: identity.company,
  };
}
