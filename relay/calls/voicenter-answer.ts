import type { Identity } from '../../shared/messages';

/** What Voicenter expects back from the pop-up URL (voicenter-popup-api.txt, "Client Response"). */
export interface VoicenterAnswer {
  STATUS: 'OK';
  URL: string;
  CLIENTNAME: string;
  TOTAL: number;
  COMPANY: string;
}

export function voicenterAnswer(identity: Identity): VoicenterAnswer {
  return {
    STATUS: 'OK',
    URL: identity.url,
    CLIENTNAME: identity.name,
    TOTAL: identity.total,
    COMPANY: identity.company,
  };
}
