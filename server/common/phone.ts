import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { UnprocessableError } from '../http/errors.ts';

/**
 * A phone number in E.164, read with the tenant's default country for numbers
 * written without a country code. An invalid number is a 422 naming the field.
 */
export function toE164(input: string, defaultCountry: string, field = 'body.phone'): string {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultCountry as CountryCode });
  } catch {
    parsed = undefined;
  }
  if (!parsed || !parsed.isValid()) {
    throw new UnprocessableError(`"${input.slice(0, 40)}" is not a valid phone number for ${defaultCountry}.`, [{ path: field, message: 'is not a valid phone number' }], 'invalid_phone');
  }
  return parsed.number;
}

/** For search: the E.164 form when the text reads as a phone number, else null. */
export function maybeE164(input: string, defaultCountry: string): string | null {
  try {
    const parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultCountry as CountryCode });
    return parsed.isPossible() ? parsed.number : null;
  } catch {
    return null;
  }
}

/**
 * How a search text matches stored E.164 numbers, or null when it does not read as a phone number.
 * `exact` is its E.164 form when it makes a possible number. `like` is a LIKE pattern for a partial
 * number: "+1415…" as a prefix (a range of a (tenant, phone) index); digits without "+" that are not a
 * whole valid number ("555-0123") anywhere in the number, which reads every number of the tenant.
 */
export function phoneSearch(text: string, defaultCountry: string): { exact: string | null; like: string | null } | null {
  if (!/^[+\d(][\d\s().-]{2,}$/.test(text)) return null;
  const exact = maybeE164(text, defaultCountry);
  const digits = text.replace(/[^\d+]/g, '');
  let like: string | null = null;
  if (digits.length >= 3 && (digits.startsWith('+') || !isValidPhone(text, defaultCountry))) like = `${digits.startsWith('+') ? digits : `%${digits}`}%`;
  return { exact, like };
}

function isValidPhone(text: string, defaultCountry: string): boolean {
  try {
    return parsePhoneNumberWithError(text, { defaultCountry: defaultCountry as CountryCode }).isValid();
  } catch {
    return false;
  }
}
