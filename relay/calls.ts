import type { CallEvent, CallPhase, RequestFormat } from '../shared/call-event';
import type { CallState, CallView, Identity } from '../shared/messages';
import type { CountryCode } from 'libphonenumber-js';
import { parsePhone, type Phone } from '../shared/phone';
import type { DB } from './db';
import { PENDING } from './identify';

interface CallRow {
  ivrid: string;
  direction: CallView['direction'];
  phone_raw: string;
  e164: string | null;
  caller_name: string;
  did: string;
  started_at: number;
  answered_at: number | null;
  answered_by: string | null;
  ended_at: number | null;
  cause: string;
  identity: string | null;
}

interface EventRow {
  exten_user: string;
  phase: CallPhase;
  cause: string;
  received_at: number;
}

export interface Recorded {
  /** The same phase for the same station again (a retry, or one request per ringing station). */
  duplicate: boolean;
  /** The call's identity when a lookup already finished; null when none was started. */
  identity: Identity | null;
  /** Every station whose view of the call changed, with the new view. */
  changed: { extenUser: string; view: CallView }[];
}

const STATE_OF_PHASE: Partial<Record<CallPhase, CallState>> = {
  ringing: 'ringing',
  dialing: 'dialing',
  talking: 'talking',
  hold: 'hold',
};

/**
 * The call log, and what each station (extension user) should see of each call. Voicenter
 * sends one request per station and phase; this turns them into per-station views.
 */
export class CallBook {
  private readonly getCall;
  private readonly eventsOf;
  private readonly insertCall;
  private readonly insertEvent;

  constructor(
    private readonly db: DB,
    private readonly country: CountryCode,
  ) {
    this.getCall = db.prepare<[string], CallRow>('SELECT * FROM calls WHERE ivrid = ?');
    this.eventsOf = db.prepare<[string], EventRow>(
      "SELECT exten_user, phase, cause, received_at FROM call_events WHERE ivrid = ? AND phase != 'unknown' ORDER BY id",
    );
    this.insertCall = db.prepare(`
      INSERT INTO calls (ivrid, direction, phone_raw, e164, caller_name, did, started_at, updated_at)
      VALUES (@ivrid, @direction, @phone, @e164, @callerName, @did, @startedAt, @now)
      ON CONFLICT (ivrid) DO UPDATE SET
        direction = CASE WHEN direction = 'unknown' THEN excluded.direction ELSE direction END,
        phone_raw = CASE WHEN phone_raw = '' THEN excluded.phone_raw ELSE phone_raw END,
        e164 = COALESCE(e164, excluded.e164),
        caller_name = CASE WHEN caller_name = '' THEN excluded.caller_name ELSE caller_name END,
        did = CASE WHEN did = '' THEN excluded.did ELSE did END,
        updated_at = excluded.updated_at`);
    this.insertEvent = db.prepare(`
      INSERT INTO call_events (ivrid, exten_user, phase, status, cause, format, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Records one request; tells whether it was new and which stations must be told what. */
  record(event: CallEvent, phone: Phone, format: RequestFormat, now = Date.now()): Recorded {
    return this.db.transaction((): Recorded => {
      this.insertCall.run({
        ivrid: event.ivrid,
        direction: event.direction,
        phone: phone.raw,
        e164: phone.e164,
        callerName: event.callerName || event.originalCallerName,
        did: event.did,
        startedAt: event.callStarted ? event.callStarted * 1000 : now,
        now,
      });
      const station = event.extenUser ?? '';
      const before = this.views(event.ivrid);
      const mine = this.eventsOf.all(event.ivrid).filter((e) => e.exten_user === station);
      const last = mine.at(-1);
      const duplicate =
        mine.some((e) => e.phase === 'hangup') ||
        last?.phase === event.phase ||
        (last !== undefined && (event.phase === 'ringing' || event.phase === 'dialing'));
      if (!duplicate) {
        this.insertEvent.run(event.ivrid, station, event.phase, event.status, event.cause, format, now);
        this.applyToCall(event, station, now);
      }
      const after = this.views(event.ivrid);
      const changed = [...after]
        .filter(([user, view]) => user !== '' && !sameView(before.get(user), view))
        .map(([extenUser, view]) => ({ extenUser, view }));
      const row = this.getCall.get(event.ivrid);
      return { duplicate, identity: row?.identity ? (JSON.parse(row.identity) as Identity) : null, changed };
    })();
  }

  /** Stores the identity found for a call; returns every station's view so each can be told. */
  setIdentity(ivrid: string, identity: Identity): string[] {
    this.db.prepare('UPDATE calls SET identity = ? WHERE ivrid = ?').run(JSON.stringify(identity), ivrid);
    return [...this.views(ivrid).keys()].filter((u) => u !== '');
  }

  /** Deletes calls that started before `before` (the retention window), with their events. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM calls WHERE started_at < ?').run(before).changes;
  }

  /** The current view of a call for each station that took part in it. */
  views(ivrid: string): Map<string, CallView> {
    const call = this.getCall.get(ivrid);
    const result = new Map<string, CallView>();
    if (!call) return result;
    const events = this.eventsOf.all(ivrid);
    const stations = new Set(events.map((e) => e.exten_user));
    for (const station of stations) {
      result.set(station, viewFor(call, events.filter((e) => e.exten_user === station), station, this.country));
    }
    return result;
  }

  private applyToCall(event: CallEvent, station: string, now: number): void {
    if (event.phase === 'talking') {
      this.db
        .prepare(
          `UPDATE calls SET answered_at = COALESCE(answered_at, ?),
             answered_by = COALESCE(answered_by, NULLIF(?, '')) WHERE ivrid = ?`,
        )
        .run(event.callAnswered ? event.callAnswered * 1000 : now, station, event.ivrid);
    } else if (event.phase === 'hangup') {
      // A hang-up for no station, or for the one that answered, ends the call for everyone.
      this.db
        .prepare(
          `UPDATE calls SET cause = ?, ended_at = CASE WHEN ? = '' OR answered_by = ? THEN COALESCE(ended_at, ?)
             ELSE ended_at END WHERE ivrid = ?`,
        )
        .run(event.cause, station, station, now, event.ivrid);
    }
  }
}

function viewFor(call: CallRow, events: EventRow[], station: string, country: CountryCode): CallView {
  const phone = parsePhone(call.phone_raw, country);
  const hangup = events.find((e) => e.phase === 'hangup');
  const answeredBy = call.answered_by === null ? null : call.answered_by === station ? 'me' : 'other';
  const last = events.filter((e) => e.phase !== 'hangup').at(-1);
  const endedAt = hangup?.received_at ?? call.ended_at ?? (answeredBy === 'other' ? call.answered_at : null);
  return {
    ivrid: call.ivrid,
    direction: call.direction,
    state: endedAt !== null ? 'ended' : (STATE_OF_PHASE[last?.phase ?? 'ringing'] ?? 'ringing'),
    phone: { raw: phone.raw, e164: phone.e164, local: phone.local, withheld: phone.withheld },
    callerName: call.caller_name,
    did: call.did,
    startedAt: call.started_at,
    answeredAt: answeredBy === 'me' ? call.answered_at : null,
    endedAt,
    cause: hangup?.cause || call.cause,
    answeredBy,
    identity: call.identity ? (JSON.parse(call.identity) as Identity) : PENDING,
  };
}

function sameView(a: CallView | undefined, b: CallView): boolean {
  return a !== undefined && a.state === b.state && a.answeredBy === b.answeredBy && a.endedAt === b.endedAt;
}
