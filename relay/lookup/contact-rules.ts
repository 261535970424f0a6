import { z } from 'zod';
import { isHttpUrl } from '../../shared/url';

/** Phone numbers one contact may have. */
const MAX_PHONES = 20;

/**
 * What a directory contact may be, for a CSV import and the console's edit alike: a name, an
 * optional company and http(s) link, and 1 to 20 phone numbers (each with a digit).
 */
export const contactSchema = z.object({
  id: z.string().trim().max(256).default(''),
  name: z.string().trim().min(1, 'name is empty').max(256, 'name is longer than 256 characters'),
  company: z.string().trim().max(256, 'company is longer than 256 characters').default(''),
  url: z
    .string()
    .trim()
    .refine((u) => u === '' || isHttpUrl(u), 'url must start with http:// or https://')
    .default(''),
  phones: z
    .array(z.string().trim())
    .transform((phones) => phones.filter((p) => p !== ''))
    .pipe(
      z
        .array(z.string().max(64).regex(/\d/))
        .min(1, 'no phone number')
        .max(MAX_PHONES, `at most ${MAX_PHONES} phone numbers`),
    ),
});
export type ContactInput = z.input<typeof contactSchema>;

/** The contact, or what is wrong with it in words (the first fault; a bad number is quoted). */
export function checkContact(input: ContactInput): z.output<typeof contactSchema> | string {
  const parsed = contactSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.path[0] === 'phones' && typeof issue.path[1] === 'number') return `not a phone number: ${input.phones[issue.path[1]]?.trim() ?? ''}`;
  return issue.message;
}
