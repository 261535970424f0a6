import type { CallView, SequencedMessage } from '../shared/messages';
import { getClickToCall } from './account';
import { outcome } from './call-display';
import { firstAutoOpen, liveCalls, missedCount, recentCalls, recordIdentity, recordView, setLiveCalls, setMissedCount } from './call-book';
import { openUrl } from './crm-pages';
import { clearCall, showCall, showMissed } from './notify';
import { effectiveOpenCrm, policyWithin } from './policy';
import { getPreferences } from './preferences';
import type { RingFirst } from './ring-first';
import { refreshToolbar } from './toolbar';

/**
 * What one numbered message from the relay changes: the call's notification, the live calls, the
 * recent list, the missed count and the CRM page opened by itself. Called by the message order,
 * one message at a time; it keeps nothing of its own.
 */
export function callApplier(ringFirst: RingFirst): (message: SequencedMessage, over: ReadonlySet<string>) => Promise<void> {
  return async (message, over) => {
    if (message.type === 'call') {
      await applyCall(ringFirst, message.call, over.has(message.call.ivrid));
      return;
    }
    const call = (await liveCalls())[message.ivrid];
    if (call) await applyCall(ringFirst, { ...call, identity: message.identity }, over.has(message.ivrid));
    else await recordIdentity(message.ivrid, message.identity);
  };
}

/** Brings notification, live calls, history and badge in line with the call's new view (unless `over`: ended by one processed with it). */
async function applyCall(ringFirst: RingFirst, call: CallView, over: boolean): Promise<void> {
  // (Read together: each is a round trip to the browser before the agent sees anything.)
  const [live, settings] = await Promise.all([liveCalls(), getPreferences()]);
  const previous = live[call.ivrid];
  const raised = await ringFirst.handled(call);
  if (call.state === 'ended') {
    delete live[call.ivrid];
    await clearCall(call.ivrid);
    const known = previous ?? (await recentCalls()).find((c) => c.ivrid === call.ivrid);
    if (known?.state !== 'ended' && outcome(call) === 'missed') {
      await setMissedCount((await missedCount()) + 1);
      // The missed calls' count is on the toolbar while connected (refreshToolbar decides).
      await refreshToolbar();
      if (settings.missedCalls === 'notify') await showMissed(call, await getClickToCall());
    }
  } else {
    live[call.ivrid] = call;
    if (call.state === 'ringing' && !raised && !over) await showCall(call, previous !== undefined, settings);
    else if (!over && (call.state === 'talking' || call.state === 'hold')) {
      if (settings.afterAnswer === 'keep') await showCall(call, previous !== undefined, settings);
      else await clearCall(call.ivrid);
    }
    const trigger = call.state === 'ringing' ? 'ringing' : call.state === 'talking' ? 'answer' : null;
    if (trigger && effectiveOpenCrm(settings, await policyWithin()) === trigger) await autoOpen(call);
  }
  await setLiveCalls(live);
  await recordView(call);
}

async function autoOpen(call: CallView): Promise<void> {
  if (!call.identity.url) return;
  if (await firstAutoOpen(call.ivrid)) await openUrl(call.identity.url);
}
