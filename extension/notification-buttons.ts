import { callBack } from './call-back';
import { callButtons, missedButtons } from './call-display';
import { openChooser } from './contact-choice';
import { getClickToCall } from './account';
import { findCall } from './call-book';
import { openUrl } from './crm-pages';

/** What a click on a call's notification, one of its buttons or a popup row does. */

/** Opens the CRM page of a call, live or recent. */
export async function openCall(ivrid: string): Promise<void> {
  const call = await findCall(ivrid);
  if (call) await openUrl(call.identity.url);
}

/** A call notification's button: Choose contact (several matched), or Open in CRM. */
export async function callButton(ivrid: string, index: number): Promise<void> {
  const call = await findCall(ivrid);
  if (!call) return;
  const button = callButtons(call)[index];
  if (button === 'choose') await openChooser(ivrid);
  else await openCall(ivrid);
}

/** The missed-call notice: Call back places the call (its own notice says how it went); Open opens the CRM page. */
export async function missedButton(ivrid: string, index: number): Promise<void> {
  const call = await findCall(ivrid);
  if (!call) return;
  const button = missedButtons(call, await getClickToCall())[index];
  if (button === 'call-back') await callBack(call.phone.e164 ?? call.phone.raw);
  else if (button === 'open') await openCall(ivrid);
}
